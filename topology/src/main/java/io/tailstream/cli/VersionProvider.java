package io.tailstream.cli;

import picocli.CommandLine;

/** Reads the version from the jar manifest. */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = TailstreamCli.class.getPackage().getImplementationVersion();
    return new String[] {"tailstream " + (v == null ? "(development build)" : v)};
  }
}
