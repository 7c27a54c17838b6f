@NullMarked
package dev.berth.config;

import org.jspecify.annotations.NullMarked;
