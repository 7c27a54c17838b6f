package dev.berth.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an option that is also read from the environment: when its flag is not on the command line,
 * the first of {@link #env} that is set (and not blank) gives its value, converted and checked as
 * the flag's would be. {@link Cli} applies it and names the variable in the option's help.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
@interface Setting {
  /**
   * The variables, the first set one winning; a multi-valued option reads a comma-separated list.
   */
  String[] env();

  /** A secret (a key), which no error message repeats. */
  boolean secret() default false;

  /** What the help says happens when neither flag nor variable gives a value and none is set. */
  String unset() default "";
}
