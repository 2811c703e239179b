package io.tapwire.apps.progress;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class ProgressTest {
    @Test
    void lineShowsBarPercentAndFigures() {
        AtomicLong done = new AtomicLong(50_000_000);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (Progress p = Progress.startOn(new PrintStream(sink), "cubic tapwire -> Linux", 200_000_000, done::get,
                Progress.Unit.BYTES)) {
            String line = p.line();
            assertTrue(line.startsWith("cubic tapwire -> Linux [######                  ]  25% 50.0/200.0 MB  "), line);
            assertTrue(line.contains(" MB/s"), line);
        }
        try (Progress p = Progress.startOn(new PrintStream(new ByteArrayOutputStream()), "scripts", 0, () -> 7,
                Progress.Unit.COUNT)) {
            assertTrue(p.line().startsWith("scripts 7  "), p.line());
        }
    }

    @Test
    void drawsInPlaceAndErasesItsLineWhenClosed() throws InterruptedException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(sink, true);
        Progress p = Progress.startOn(out, "load", 100, () -> 42, Progress.Unit.COUNT);
        for (int i = 0; sink.size() == 0; i++) {
            if (i > 500) {
                fail("gave up waiting: nothing drawn");
            }
            Thread.sleep(10);
        }
        p.close();
        String s = sink.toString(StandardCharsets.UTF_8);
        assertTrue(s.startsWith("\rload ["), s);
        assertFalse(s.contains("\n"), "a progress line never scrolls the terminal");
        // The last thing written blanks the line and returns to its start.
        assertTrue(s.endsWith(" \r"), s);
        int afterClose = sink.size();
        Thread.sleep(3 * Progress.INTERVAL_MILLIS);
        assertEquals(afterClose, sink.size(), "still drawing after close");
    }

    @Test
    void outputThroughTheWrappedStreamErasesTheLineFirst() throws InterruptedException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(sink, true);
        try (Progress p = Progress.startOn(out, "record", 3, () -> 1, Progress.Unit.COUNT)) {
            for (int i = 0; sink.size() == 0; i++) {
                if (i > 500) {
                    fail("gave up waiting: nothing drawn");
                }
                Thread.sleep(10);
            }
            p.wrap(out).println("scenario one recorded");
            String s = sink.toString(StandardCharsets.UTF_8);
            // The drawn line, then blanks over it and a return, then the output at the line's start
            // (and perhaps the line drawn again by a tick since).
            assertTrue(s.matches("(?s)\\rrecord \\[.*\\] .*\\r +\\rscenario one recorded\\R.*"), s);
        }
    }

    @Test
    void millisecondsShowElapsedOfExpected() {
        try (Progress p = Progress.startOn(new PrintStream(new ByteArrayOutputStream()), "ping", 40_000, () -> 10_000,
                Progress.Unit.MILLIS)) {
            assertEquals("ping [######                  ]  25% 10/40 s", p.line());
        }
    }

    @Test
    void withoutATerminalWrapIsTheStreamItself() {
        try (Progress p = Progress.start("x", 1, () -> 0, Progress.Unit.COUNT)) {
            assertTrue(p.wrap(System.out) == System.out);
        }
    }

    @Test
    void notATerminalUnderTests() {
        // Surefire pipes the JVM's output: progress must stay silent there, as in logs and pipes.
        assertFalse(Progress.isTerminal());
    }
}
