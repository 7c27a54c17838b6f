package dev.berth.junit5;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field of type {@link BerthServer} for {@link BerthExtension} to set: a static one before
 * the class's {@code @BeforeAll} methods run (per-class lifecycle only), an instance one before
 * each test's {@code @BeforeEach} methods.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface InjectBerth {}
