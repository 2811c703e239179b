package io.tapwire.tap;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TapTestSupportTest {

    @Test
    void withoutCiAnUnavailableTapMeansSkipWithTheReason() {
        assertEquals(Optional.of("no root"), TapTestSupport.decide(false, Optional.of("no root")));
    }

    @Test
    void onCiAnUnavailableTapFailsLoudly() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TapTestSupport.decide(true, Optional.of("no root")));
        assertTrue(e.getMessage().contains("CI=true") && e.getMessage().contains("no root"), e.getMessage());
    }

    @Test
    void anAvailableTapRunsEverywhere() {
        assertEquals(Optional.empty(), TapTestSupport.decide(true, Optional.empty()));
        assertEquals(Optional.empty(), TapTestSupport.decide(false, Optional.empty()));
    }
}
