/** The progress line long commands draw while standard output is a terminal. */
package io.tapwire.apps.progress;
