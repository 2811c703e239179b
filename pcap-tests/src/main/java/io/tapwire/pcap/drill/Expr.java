package io.tapwire.pcap.drill;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A system call argument or result as a script writes it: {@code ...}, {@code 3}, {@code 0x02},
 * {@code SOL_SOCKET}, {@code O_RDWR | O_NONBLOCK}, {@code [65536]}, {@code {onoff=1, linger=0}},
 * {@code htons(8080)}, {@code "text"}.
 */
public sealed interface Expr {
    /** {@code ...}: whatever the interpreter chooses (addresses, buffers). */
    record Ellipsis() implements Expr {
        @Override public String toString() { return "..."; }
    }

    record Int(long value, String text) implements Expr {
        @Override public String toString() { return text; }
    }

    record Symbol(String name) implements Expr {
        @Override public String toString() { return name; }
    }

    record Or(Expr left, Expr right) implements Expr {
        @Override public String toString() { return left + " | " + right; }
    }

    record Array(List<Expr> items) implements Expr {
        @Override public String toString() {
            return items.stream().map(Object::toString).collect(Collectors.joining(", ", "[", "]"));
        }
    }

    /** {@code {onoff=1, linger=0}}; a field without a name has name null. */
    record Struct(List<Field> fields) implements Expr {
        @Override public String toString() {
            return fields.stream().map(Object::toString).collect(Collectors.joining(", ", "{", "}"));
        }
    }

    record Field(String name, Expr value) {
        @Override public String toString() { return name == null ? value.toString() : name + "=" + value; }
    }

    record Call(String function, List<Expr> args) implements Expr {
        @Override public String toString() {
            return function + args.stream().map(Object::toString).collect(Collectors.joining(", ", "(", ")"));
        }
    }

    record Str(String value) implements Expr {
        @Override public String toString() { return '"' + value + '"'; }
    }
}
