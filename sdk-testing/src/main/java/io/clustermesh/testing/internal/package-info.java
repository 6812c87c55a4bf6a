/** Implementation of the lab; not API, may change at any time. */
package io.clustermesh.testing.internal;
