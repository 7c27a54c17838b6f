@NullMarked
package dev.berth.error;

import org.jspecify.annotations.NullMarked;
