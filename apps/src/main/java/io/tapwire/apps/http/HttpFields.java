package io.tapwire.apps.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The header fields of a request, in arrival order. Field names are case-insensitive (RFC 9110
 * section 5.1); lookups take a lower-case name.
 */
final class HttpFields {
    private final List<String> names = new ArrayList<>();
    private final List<String> values = new ArrayList<>();

    void add(String name, String value) {
        names.add(name.toLowerCase(Locale.ROOT));
        values.add(value);
    }

    /** The number of field lines. */
    public int size() {
        return names.size();
    }

    /** The value of the first field line named {@code name}, or null. */
    public String first(String name) {
        int i = names.indexOf(name);
        return i < 0 ? null : values.get(i);
    }

    /** The values of all field lines named {@code name}, in order. */
    public List<String> all(String name) {
        List<String> out = new ArrayList<>(1);
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equals(name)) {
                out.add(values.get(i));
            }
        }
        return out;
    }

    /** Whether a field line named {@code name} is present. */
    public boolean contains(String name) {
        return names.contains(name);
    }

    /**
     * The comma-separated list elements of all field lines named {@code name}, trimmed, empty
     * elements dropped (RFC 9110 section 5.6.1), lower-cased: for token lists such as Connection.
     */
    public List<String> tokens(String name) {
        List<String> out = new ArrayList<>();
        for (String value : all(name)) {
            for (String element : value.split(",")) {
                String token = element.strip();
                if (!token.isEmpty()) {
                    out.add(token.toLowerCase(Locale.ROOT));
                }
            }
        }
        return out;
    }

    /**
     * Whether the token list {@code name} contains {@code token} (lower case), as in {@code
     * Connection: close}: the elements of {@link #tokens}, compared without building them (asked
     * on every request).
     */
    public boolean hasToken(String name, String token) {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equals(name) && listContains(values.get(i), token)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the comma-separated {@code list} has an element equal to {@code token}, ignoring case and surrounding whitespace. */
    private static boolean listContains(String list, String token) {
        int start = 0;
        while (start <= list.length()) {
            int comma = list.indexOf(',', start);
            int end = comma < 0 ? list.length() : comma;
            int from = start;
            int to = end;
            while (from < to && Character.isWhitespace(list.charAt(from))) {
                from++;
            }
            while (to > from && Character.isWhitespace(list.charAt(to - 1))) {
                to--;
            }
            if (to - from == token.length() && list.regionMatches(true, from, token, 0, token.length())) {
                return true;
            }
            if (comma < 0) {
                return false;
            }
            start = comma + 1;
        }
        return false;
    }
}
