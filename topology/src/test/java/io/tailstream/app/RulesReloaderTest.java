package io.tailstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tailstream.decision.ActiveRules;
import io.tailstream.decision.RulesLoader;
import io.tailstream.rules.RuleContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RulesReloaderTest {
  static final String KEEP_ALL = "rules:\n  - name: everything\n    action: keep\n";
  static final String DROP_ALL = "rules:\n  - name: nothing\n    action: drop\n";
  static final String INVALID = "rules:\n  - name: broken\n    when: trace.eror_count > 0\n"
      + "    action: keep\n  - name: default\n    action: drop\n";

  @TempDir Path dir;
  final RulesLoader loader = new RulesLoader(RuleContext.standalone(), null, Clock.systemUTC());
  final List<String> outcomes = new ArrayList<>();
  RulesReloader reloader;

  @AfterEach
  void close() {
    if (reloader != null) {
      reloader.close();
    }
  }

  ActiveRules start(Path rules, Path candidate) throws Exception {
    ActiveRules active = new ActiveRules(loader.load(rules));
    reloader = new RulesReloader(active, rules, loader::load, candidate, loader::load,
        (set, success) -> outcomes.add(set + ":" + (success ? "success" : "failure")));
    return active;
  }

  @Test
  void swapsInAChangedFileAndIgnoresAnUnchangedOne() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.yaml"), KEEP_ALL);
    ActiveRules rules = start(file, null);
    String before = rules.active().hash();

    reloader.checkNow();
    assertThat(outcomes).isEmpty();

    Files.writeString(file, DROP_ALL);
    reloader.checkNow();

    assertThat(rules.active().rules().ruleNames()).containsExactly("nothing");
    assertThat(rules.active().hash()).isNotEqualTo(before);
    assertThat(outcomes).containsExactly("active:success");
  }

  @Test
  void keepsTheLastGoodRulesWhenTheNewFileIsInvalidAndCountsItOnce() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.yaml"), KEEP_ALL);
    ActiveRules rules = start(file, null);
    String good = rules.active().hash();

    Files.writeString(file, INVALID);
    reloader.checkNow();
    reloader.checkNow();

    assertThat(rules.active().hash()).isEqualTo(good);
    assertThat(outcomes).containsExactly("active:failure");

    Files.writeString(file, DROP_ALL);
    reloader.checkNow();
    assertThat(rules.active().rules().ruleNames()).containsExactly("nothing");
    assertThat(outcomes).containsExactly("active:failure", "active:success");
  }

  @Test
  void keepsTheRulesWhenTheFileDisappears() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.yaml"), KEEP_ALL);
    ActiveRules rules = start(file, null);

    Files.delete(file);
    reloader.checkNow();

    assertThat(rules.active().rules().ruleNames()).containsExactly("everything");
    assertThat(outcomes).containsExactly("active:failure");
  }

  /**
   * A Kubernetes ConfigMap volume: {@code rules.yaml -> ..data/rules.yaml}, {@code ..data -> a
   * timestamped directory}. An update writes a new directory and renames a new {@code ..data}
   * symlink over the old one; the file itself is never written.
   */
  @Test
  void seesAConfigMapUpdateBySymlinkSwap() throws Exception {
    Path v1 = Files.createDirectory(dir.resolve("..2026_11_21_10_00_00.1"));
    Files.writeString(v1.resolve("rules.yaml"), KEEP_ALL);
    Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
    Path file = Files.createSymbolicLink(dir.resolve("rules.yaml"), Path.of("..data/rules.yaml"));
    ActiveRules rules = start(file, null);

    Path v2 = Files.createDirectory(dir.resolve("..2026_11_21_10_05_00.2"));
    Files.writeString(v2.resolve("rules.yaml"), DROP_ALL);
    Path tmp = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
    Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    reloader.checkNow();

    assertThat(rules.active().rules().ruleNames()).containsExactly("nothing");
    assertThat(outcomes).containsExactly("active:success");
  }

  @Test
  void loadsReplacesAndRemovesTheCandidate() throws Exception {
    Path file = Files.writeString(dir.resolve("rules.yaml"), KEEP_ALL);
    Path candidate = dir.resolve("candidate.yaml");
    ActiveRules rules = start(file, candidate);

    reloader.checkNow();
    assertThat(rules.candidate()).isEmpty();

    Files.writeString(candidate, DROP_ALL);
    reloader.checkNow();
    assertThat(rules.candidate()).hasValueSatisfying(
        c -> assertThat(c.rules().ruleNames()).containsExactly("nothing"));
    assertThat(rules.candidateDiff()).isPresent();

    Files.writeString(candidate, INVALID);
    reloader.checkNow();
    assertThat(rules.candidate()).hasValueSatisfying(
        c -> assertThat(c.rules().ruleNames()).containsExactly("nothing"));

    Files.delete(candidate);
    reloader.checkNow();
    assertThat(rules.candidate()).isEmpty();
    assertThat(rules.active().rules().ruleNames()).containsExactly("everything");
    assertThat(outcomes).containsExactly("candidate:success", "candidate:failure");
  }
}
