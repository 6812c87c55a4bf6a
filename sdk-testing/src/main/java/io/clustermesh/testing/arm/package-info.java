/** A stateful fake of Azure Resource Manager on WireMock, seeded with the lab's hub-and-spoke topology. */
package io.clustermesh.testing.arm;
