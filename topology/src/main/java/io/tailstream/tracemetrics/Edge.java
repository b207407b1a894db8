package io.tailstream.tracemetrics;

/** The accumulators of one service-graph edge: requests, failures and both sides' latency. */
final class Edge {
  final Tally requests = new Tally();
  final Tally failed = new Tally();
  final Histogram server;
  final Histogram client;

  Edge(double[] secondBounds) {
    this.server = new Histogram(secondBounds, 0);
    this.client = new Histogram(secondBounds, 0);
  }
}
