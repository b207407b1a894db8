package io.tailstream.rules;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Matches attribute keys against exact names and globs, in which {@code *} matches any run of
 * characters and {@code ?} one character; there is no escape.
 *
 * <p>It runs for every attribute of every kept span, so the common shapes are checked without a
 * regex: exact names in a hash set, {@code prefix*} and {@code *suffix} with string comparisons.
 * Only the remaining globs are compiled, into a single alternation.
 */
final class AttributeKeyMatcher {

  private final Set<String> exact;
  private final String[] prefixes;
  private final String[] suffixes;
  private final Pattern others;

  private AttributeKeyMatcher(
      Set<String> exact, List<String> prefixes, List<String> suffixes, Pattern others) {
    this.exact = exact;
    this.prefixes = prefixes.toArray(new String[0]);
    this.suffixes = suffixes.toArray(new String[0]);
    this.others = others;
  }

  /**
   * Compiles key patterns.
   *
   * @param patterns exact keys and globs; not empty, none of them empty
   */
  static AttributeKeyMatcher of(List<String> patterns) {
    if (patterns.isEmpty()) {
      throw new IllegalArgumentException("an attribute key matcher needs at least one pattern");
    }
    Set<String> exact = new HashSet<>();
    List<String> prefixes = new ArrayList<>();
    List<String> suffixes = new ArrayList<>();
    StringBuilder others = new StringBuilder();
    for (String pattern : patterns) {
      if (pattern.isEmpty()) {
        throw new IllegalArgumentException("an attribute key pattern must not be empty");
      }
      int wildcards = countWildcards(pattern);
      if (wildcards == 0) {
        exact.add(pattern);
      } else if (wildcards == 1 && pattern.endsWith("*")) {
        prefixes.add(pattern.substring(0, pattern.length() - 1));
      } else if (wildcards == 1 && pattern.startsWith("*")) {
        suffixes.add(pattern.substring(1));
      } else {
        if (others.length() > 0) {
          others.append('|');
        }
        others.append("(?:").append(globToRegex(pattern)).append(')');
      }
    }
    Pattern compiled =
        others.length() == 0 ? null : Pattern.compile(others.toString(), Pattern.DOTALL);
    return new AttributeKeyMatcher(Set.copyOf(exact), prefixes, suffixes, compiled);
  }

  /** Returns whether {@code key} equals one of the exact keys or matches one of the globs. */
  boolean matches(String key) {
    if (exact.contains(key)) {
      return true;
    }
    for (String prefix : prefixes) {
      if (key.startsWith(prefix)) {
        return true;
      }
    }
    for (String suffix : suffixes) {
      if (key.endsWith(suffix)) {
        return true;
      }
    }
    return others != null && others.matcher(key).matches();
  }

  private static int countWildcards(String pattern) {
    int count = 0;
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c == '*' || c == '?') {
        count++;
      }
    }
    return count;
  }

  private static String globToRegex(String glob) {
    StringBuilder regex = new StringBuilder(glob.length() + 8);
    int literalStart = 0;
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' || c == '?') {
        if (i > literalStart) {
          regex.append(Pattern.quote(glob.substring(literalStart, i)));
        }
        regex.append(c == '*' ? ".*" : ".");
        literalStart = i + 1;
      }
    }
    if (literalStart < glob.length()) {
      regex.append(Pattern.quote(glob.substring(literalStart)));
    }
    return regex.toString();
  }

  @Override
  public String toString() {
    return "AttributeKeyMatcher{exact="
        + exact
        + ", prefixes="
        + List.of(prefixes)
        + ", suffixes="
        + List.of(suffixes)
        + ", others="
        + others
        + '}';
  }
}
