package io.tapwire.apps.http;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Token lists (RFC 9110 section 5.6.1): {@code hasToken} answers what {@code tokens} lists, without building it. */
class HttpFieldsTest {

    @Test
    void hasTokenAgreesWithTheTokenList() {
        List<String> values = List.of("close", " Close ", "keep-alive, close", "x,,CLOSE", "closed", "clo se",
                "\tclose\t", "", ",", " , ", "keep-alive,Upgrade", "Keep-Alive", "upgrade ,keep-alive  ,");
        for (String value : values) {
            HttpFields f = new HttpFields();
            f.add("Connection", value);
            for (String token : List.of("close", "keep-alive", "upgrade")) {
                assertEquals(f.tokens("connection").contains(token), f.hasToken("connection", token),
                        token + " in '" + value + "'");
            }
        }
    }

    @Test
    void hasTokenLooksAtEveryLineOfTheField() {
        HttpFields f = new HttpFields();
        f.add("Connection", "upgrade");
        f.add("X-Other", "close");
        f.add("connection", "Close");
        assertTrue(f.hasToken("connection", "close"));
        assertFalse(f.hasToken("connection", "keep-alive"));
        assertFalse(f.hasToken("x-missing", "close"));
    }
}
