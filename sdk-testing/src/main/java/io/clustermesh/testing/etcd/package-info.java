/** Real etcd servers (Debian {@code etcd-server}) as child processes on loopback, the lab's clustermesh-apiservers. */
package io.clustermesh.testing.etcd;
