package io.tailstream.app;

import io.tailstream.decision.ActiveRules;
import io.tailstream.decision.LoadedRules;
import io.tailstream.rules.RuleValidationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot reload: checks the rules file and the candidate file for changes, validates a changed file
 * in full and swaps it in between two decisions. An invalid file is logged with every {@code
 * file:line:col} problem and counted; the last good rules stay in force.
 *
 * <p>It compares file contents rather than watching for file-system events: reading the path
 * follows symbolic links, so a Kubernetes ConfigMap update, which swaps a {@code ..data} symlink
 * rather than writing the file, is seen like any edit, and so is an editor that replaces the
 * file, on every file system. The files are small, so a check every couple of seconds is cheap.
 */
public final class RulesReloader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RulesReloader.class);

  /** Loads a rules file for one set, registering that set's listeners. */
  @FunctionalInterface
  public interface Loader {
    LoadedRules load(Path file) throws RuleValidationException;
  }

  /** Told about every load attempt of a changed file. */
  @FunctionalInterface
  public interface Outcome {
    void reloaded(String set, boolean success);
  }

  private final ActiveRules rules;
  private final Watched active;
  private final Watched candidate;
  private final Outcome outcome;
  private final ScheduledExecutorService executor;

  /**
   * @param activeFile the rules file, whose content at start-up is already active
   * @param candidateFile the candidate file, or null for none
   */
  public RulesReloader(ActiveRules rules, Path activeFile, Loader activeLoader,
      Path candidateFile, Loader candidateLoader, Outcome outcome) {
    this.rules = rules;
    this.active = new Watched("active", activeFile, activeLoader);
    this.candidate = candidateFile == null
        ? null : new Watched("candidate", candidateFile, candidateLoader);
    this.outcome = outcome;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tailstream-rules-reload");
      t.setDaemon(true);
      return t;
    });
    active.seen = read(activeFile);
    active.seenOnce = true;
  }

  /** Loads the candidate, if one is configured and present, then checks every {@code interval}. */
  public void start(Duration interval) {
    if (candidate != null) {
      check(candidate);
    }
    long ms = interval.toMillis();
    executor.scheduleWithFixedDelay(this::checkNow, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Checks both files once; called by the schedule, and by tests. */
  public synchronized void checkNow() {
    try {
      check(active);
      if (candidate != null) {
        check(candidate);
      }
    } catch (RuntimeException e) {
      // Never let one bad check stop the schedule.
      LOG.error("Checking the rules files failed", e);
    }
  }

  private void check(Watched w) {
    byte[] content = read(w.file);
    if (Arrays.equals(content, w.seen) && w.seenOnce) {
      return;
    }
    boolean first = !w.seenOnce;
    w.seen = content;
    w.seenOnce = true;
    if (content == null) {
      if (w == candidate) {
        if (rules.candidate().isPresent()) {
          rules.swapCandidate(null);
          LOG.info("Candidate rules file {} is gone; the dry run stopped", w.file);
        } else if (first) {
          LOG.info("Candidate rules file {} does not exist yet; it is loaded when it appears",
              w.file);
        }
        return;
      }
      LOG.error("Rules file {} cannot be read; rules {} stay in force", w.file,
          rules.active().hash());
      outcome.reloaded(w.set, false);
      return;
    }
    LoadedRules loaded;
    try {
      loaded = w.loader.load(w.file);
    } catch (RuleValidationException e) {
      LOG.error("Rejected the changed {} rules file; {} stay in force. Problems:\n{}", w.set,
          w == active ? "rules " + rules.active().hash() : "the previous candidate",
          e.getMessage());
      outcome.reloaded(w.set, false);
      return;
    }
    if (w == active) {
      String previous = rules.active().hash();
      if (previous.equals(loaded.hash())) {
        return; // touched, or changed back: nothing new
      }
      rules.swap(loaded);
      LOG.info("Rules reloaded from {}: hash {} -> {}, {} rules", w.file, previous,
          loaded.hash(), loaded.rules().ruleNames().size());
    } else {
      rules.swapCandidate(loaded);
      LOG.info("Candidate rules loaded from {}: hash {}, {} rules; dry run started", w.file,
          loaded.hash(), loaded.rules().ruleNames().size());
    }
    outcome.reloaded(w.set, true);
  }

  /** Returns the file's bytes, or null when it is missing or unreadable. */
  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      LOG.debug("Cannot read {}", file, e);
      return null;
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }

  /** One watched file and what was last seen in it. */
  private static final class Watched {
    final String set;
    final Path file;
    final Loader loader;
    byte[] seen;
    boolean seenOnce;

    Watched(String set, Path file, Loader loader) {
      this.set = set;
      this.file = file;
      this.loader = loader;
    }
  }
}
