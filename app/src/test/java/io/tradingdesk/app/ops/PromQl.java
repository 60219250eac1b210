package io.tradingdesk.app.ops;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The metric names a PromQL expression reads. A tokenizer, not a parser: it skips strings, label matchers
 * ({@code {...}}), ranges ({@code [5m]}), numbers and durations, Grafana variables ({@code $job}, {@code ${x}}),
 * the label lists after {@code by}, {@code without}, {@code on}, {@code ignoring} and {@code group_left/right},
 * aggregation operators, and every identifier followed by {@code (} (functions); what is left are metric names. That covers the
 * expressions in {@code deploy/}; {@link PromQlTest} pins the cases. Stateless and thread-safe.
 */
final class PromQl {
    private static final Set<String> LABEL_LIST_KEYWORDS =
            Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan");
    // Aggregations may put their by/without clause before the parenthesis: "sum by (job) (x)".
    private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar",
            "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");

    private PromQl() {
    }

    /** Metric names in {@code expression}, in order of first appearance. */
    static Set<String> metricNames(String expression) {
        var names = new LinkedHashSet<String>();
        String s = expression;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(s, i);
            } else if (c == '{') {
                i = skipPast(s, i, '{', '}');
            } else if (c == '[') {
                i = skipPast(s, i, '[', ']');
            } else if (c == '#') {
                int end = s.indexOf('\n', i);
                i = end < 0 ? s.length() : end;
            } else if (c == '$') {
                i = skipVariable(s, i);
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
                i = skipNumber(s, i);
            } else if (isIdentifierStart(c)) {
                int end = i + 1;
                while (end < s.length() && isIdentifierPart(s.charAt(end))) {
                    end++;
                }
                String word = s.substring(i, end);
                int next = skipSpaces(s, end);
                boolean call = next < s.length() && s.charAt(next) == '(';
                String lower = word.toLowerCase(Locale.ROOT);
                if (call && LABEL_LIST_KEYWORDS.contains(lower)) {
                    i = skipPast(s, next, '(', ')');
                } else {
                    if (!call && !KEYWORDS.contains(lower) && !LABEL_LIST_KEYWORDS.contains(lower)
                            && !AGGREGATIONS.contains(lower)) {
                        names.add(word);
                    }
                    i = end;
                }
            } else {
                i++;
            }
        }
        return names;
    }

    private static boolean isIdentifierStart(char c) {
        return Character.isLetter(c) || c == '_' || c == ':';
    }

    private static boolean isIdentifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == ':';
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** From an opening quote to just past its closing one; backslash escapes inside. */
    private static int skipString(String s, int i) {
        char quote = s.charAt(i);
        int j = i + 1;
        while (j < s.length() && s.charAt(j) != quote) {
            j += s.charAt(j) == '\\' ? 2 : 1;
        }
        return j + 1;
    }

    /** From {@code open} at {@code i} to just past the matching {@code close}, skipping quoted strings. */
    private static int skipPast(String s, int i, char open, char close) {
        int depth = 0;
        int j = i;
        while (j < s.length()) {
            char c = s.charAt(j);
            if (c == '"' || c == '\'' || c == '`') {
                j = skipString(s, j);
                continue;
            }
            if (c == open) {
                depth++;
            } else if (c == close && --depth == 0) {
                return j + 1;
            }
            j++;
        }
        throw new IllegalArgumentException("unbalanced '" + open + "' at " + i + " in: " + s);
    }

    /** Grafana's $name, ${name} and ${name:format}. */
    private static int skipVariable(String s, int i) {
        if (i + 1 < s.length() && s.charAt(i + 1) == '{') {
            return skipPast(s, i + 1, '{', '}');
        }
        int j = i + 1;
        while (j < s.length() && isIdentifierPart(s.charAt(j))) {
            j++;
        }
        return j;
    }

    /** Numbers (1, 0.5, 1e6, 1e-3, 0x1F) and durations (5m, 1h30m). */
    private static int skipNumber(String s, int i) {
        int j = i;
        while (j < s.length()) {
            char c = s.charAt(j);
            boolean exponentSign = (c == '+' || c == '-') && (s.charAt(j - 1) == 'e' || s.charAt(j - 1) == 'E')
                    && !s.startsWith("0x", i);
            if (Character.isLetterOrDigit(c) || c == '.' || exponentSign) {
                j++;
            } else {
                break;
            }
        }
        return j;
    }
}
