package dev.berth.junit5;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the tests of a class against a real Berth started in-process ({@link BerthExtension}): one
 * server for the whole class by default, or a new one for each test.
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(BerthExtension.class)
public @interface BerthTest {
  /** How long one server lives; {@link Lifecycle#PER_CLASS} unless set. */
  Lifecycle lifecycle() default Lifecycle.PER_CLASS;

  /** How long one server lives, and so how far what a test creates is seen. */
  enum Lifecycle {
    /**
     * One server for all tests of the class (and its {@code @Nested} classes): what one test
     * creates, the next one sees.
     */
    PER_CLASS,
    /** A new, empty server for each test, stopped after it. */
    PER_TEST
  }
}
