package io.tapwire.pcap.drill;

import io.tapwire.StackConfig;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * Reads and writes {@link StackConfig} settings by their field name, so the sysctl mapping can
 * name a setting the stack may not have yet (window scaling, SACK, ECN arrive in later issues):
 * a missing one is reported, never a compile error in the conformance runner.
 */
final class Settings {
    private Settings() {
    }

    /** Sets {@code name} to {@code value}; false when the stack has no such setting. */
    static boolean set(StackConfig config, String name, Object value) {
        Field f = field(name);
        if (f == null) {
            return false;
        }
        try {
            Class<?> t = f.getType();
            if (t == boolean.class) {
                f.setBoolean(config, (Boolean) value);
            } else if (t == int.class) {
                f.setInt(config, ((Number) value).intValue());
            } else if (t == long.class) {
                f.setLong(config, ((Number) value).longValue());
            } else if (t == String.class) {
                f.set(config, value.toString());
            } else {
                return false;
            }
            return true;
        } catch (IllegalAccessException | ClassCastException e) {
            return false;
        }
    }

    /** The current value of {@code name}, or null when the stack has no such setting. */
    static Object get(StackConfig config, String name) {
        Field f = field(name);
        try {
            return f == null ? null : f.get(config);
        } catch (IllegalAccessException e) {
            return null;
        }
    }

    /** The type of setting {@code name}, or null when the stack has no such setting. */
    static Class<?> type(String name) {
        Field f = field(name);
        return f == null ? null : f.getType();
    }

    private static Field field(String name) {
        try {
            Field f = StackConfig.class.getField(name);
            return Modifier.isStatic(f.getModifiers()) ? null : f;
        } catch (NoSuchFieldException e) {
            return null;
        }
    }
}
