package dev.netc.diag;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean" hints: the closest known word by edit distance, if it is close enough. */
public final class Suggest {
  private Suggest() {}

  /**
   * The candidate closest to {@code word} (case-insensitive optimal string alignment distance), if
   * the distance is at most 2 and below the word's length; ties go to the earlier candidate.
   */
  public static Optional<String> closest(String word, Collection<String> candidates) {
    String w = word.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = distance(w, c.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    int limit = Math.min(2, Math.max(1, w.length() / 3));
    return best != null && bestDistance <= limit && bestDistance < w.length()
        ? Optional.of(best)
        : Optional.empty();
  }

  /**
   * A message suffix: {@code "; did you mean 'relu'?"} when a candidate is close, otherwise
   * {@code "; expected one of a, b, c"}.
   */
  public static String hint(String word, List<String> candidates) {
    return closest(word, candidates)
        .map(c -> "; did you mean '" + c + "'?")
        .orElseGet(() -> "; expected " + oneOf(candidates));
  }

  /** {@code 'a'}, {@code 'a' or 'b'}, or {@code one of 'a', 'b', 'c'}. */
  public static String oneOf(List<String> words) {
    if (words.size() == 1) {
      return "'" + words.get(0) + "'";
    }
    if (words.size() == 2) {
      return "'" + words.get(0) + "' or '" + words.get(1) + "'";
    }
    return "one of '" + String.join("', '", words) + "'";
  }

  /** Optimal string alignment distance: insertions, deletions, substitutions, transpositions. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          v = Math.min(v, d[i - 2][j - 2] + 1);
        }
        d[i][j] = v;
      }
    }
    return d[a.length()][b.length()];
  }
}
