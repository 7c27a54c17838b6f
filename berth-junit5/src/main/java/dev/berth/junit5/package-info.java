/**
 * A real Berth for tests of code that uses the session resources API: {@link
 * dev.berth.junit5.BerthTest} on a test class starts one in-process, on a free port with a data
 * directory of its own, and hands tests a {@link dev.berth.junit5.BerthServer} with its base URL
 * and an API key.
 */
@NullMarked
package dev.berth.junit5;

import org.jspecify.annotations.NullMarked;
