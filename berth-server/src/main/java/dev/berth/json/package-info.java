@NullMarked
package dev.berth.json;

import org.jspecify.annotations.NullMarked;
