package io.clustermesh;

/** How bad a {@link Finding} is. Any {@link #ERROR} stops the mesh before anything is written. */
public enum Severity { ERROR, WARNING, INFO }
