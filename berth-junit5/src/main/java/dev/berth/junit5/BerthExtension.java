package dev.berth.junit5;

import dev.berth.junit5.BerthTest.Lifecycle;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;

/**
 * Starts a real Berth in-process for the tests of a class and hands them a {@link BerthServer}: as
 * a parameter of test methods, constructors and lifecycle methods, and in fields marked {@link
 * InjectBerth}, set before the {@code @BeforeAll} methods run (static fields) or the
 * {@code @BeforeEach} ones (instance fields).
 *
 * <p>Each server has a new temporary data directory and a free port of the loopback address, runs
 * on the embedded default (SQLite and local blobs) and has one workspace, {@code default}, opened
 * by the key it made. With {@link Lifecycle#PER_CLASS} (the default, also when the extension is
 * registered by {@code @ExtendWith(BerthExtension.class)} alone) one server serves every test of
 * the class and of its {@code @Nested} classes, and stops after the class; with {@link
 * Lifecycle#PER_TEST} each test gets a new one, stopped after the test, and static fields,
 * constructors and {@code @BeforeAll}/{@code @AfterAll} methods get none. A stopped server leaves
 * nothing behind: its threads end, its sandboxes' mounts and control groups go, its directory is
 * removed.
 */
public final class BerthExtension
    implements BeforeAllCallback,
        BeforeEachCallback,
        AfterEachCallback,
        AfterAllCallback,
        ParameterResolver {
  private static final Namespace NAMESPACE = Namespace.create(BerthExtension.class);

  /**
   * A class's server, kept in the class's store, where its nested classes find it. Servers are
   * stopped by the after-callbacks, so that a failure to stop is reported as it is; the store stops
   * any they did not reach.
   */
  private static final String CLASS_SERVER = "class";

  /** A test's own server, kept in the test's store. */
  private static final String TEST_SERVER = "test";

  @Override
  public void beforeAll(ExtensionContext context) {
    List<Field> statics = fields(context.getRequiredTestClass(), true);
    if (lifecycle(context) == Lifecycle.PER_TEST) {
      if (!statics.isEmpty()) {
        throw new ExtensionConfigurationException(
            "with @BerthTest(lifecycle = PER_TEST) each test has a server of its own, so the"
                + " static field "
                + statics.getFirst()
                + " cannot hold one: make it an instance field");
      }
      return;
    }
    BerthServer server = server(context); // started here, before the class's first test
    for (Field field : statics) {
      set(field, null, server);
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    BerthServer server = server(context);
    for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
      for (Field field : fields(instance.getClass(), false)) {
        set(field, instance, server);
      }
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    stop(context, TEST_SERVER);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop(context, CLASS_SERVER); // a nested class's store does not hold its enclosing class's
  }

  private static void stop(ExtensionContext context, String key) {
    RunningBerth berth = context.getStore(NAMESPACE).remove(key, RunningBerth.class);
    if (berth != null) {
      berth.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == BerthServer.class;
  }

  @Override
  public BerthServer resolveParameter(ParameterContext parameter, ExtensionContext context) {
    if (lifecycle(context) == Lifecycle.PER_TEST && context.getTestMethod().isEmpty()) {
      throw new ParameterResolutionException(
          "with @BerthTest(lifecycle = PER_TEST) each test has a server of its own, so "
              + parameter.getDeclaringExecutable()
              + " cannot be given one outside a test: take it in the test, its @BeforeEach or"
              + " @AfterEach method, or use the per-class lifecycle");
    }
    return server(context);
  }

  /**
   * The server of the test or class {@code context} stands for, started when it has none yet: a
   * test's own, or the one of its class (or of the enclosing class a nested class shares).
   */
  private static BerthServer server(ExtensionContext context) {
    if (lifecycle(context) == Lifecycle.PER_TEST) {
      return context
          .getStore(NAMESPACE)
          .getOrComputeIfAbsent(TEST_SERVER, key -> RunningBerth.start(), RunningBerth.class)
          .server();
    }
    ExtensionContext owner = context;
    while (owner.getTestMethod().isPresent()) { // a test, or an invocation of a template
      owner = owner.getParent().orElseThrow();
    }
    // the store finds the server of an enclosing class too, and a new one stops with the class
    return owner
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(CLASS_SERVER, key -> RunningBerth.start(), RunningBerth.class)
        .server();
  }

  /**
   * The lifecycle {@code @BerthTest} asks for on the test class or, for a {@code @Nested} class, on
   * the closest enclosing class that says; per class when none does.
   */
  private static Lifecycle lifecycle(ExtensionContext context) {
    for (Class<?> c = context.getRequiredTestClass(); c != null; c = c.getEnclosingClass()) {
      Optional<BerthTest> found = AnnotationSupport.findAnnotation(c, BerthTest.class);
      if (found.isPresent()) {
        return found.get().lifecycle();
      }
    }
    return Lifecycle.PER_CLASS;
  }

  /** The static or instance fields marked {@link InjectBerth} that {@code type} has. */
  private static List<Field> fields(Class<?> type, boolean statics) {
    List<Field> fields =
        AnnotationSupport.findAnnotatedFields(
            type,
            InjectBerth.class,
            f -> Modifier.isStatic(f.getModifiers()) == statics,
            HierarchyTraversalMode.TOP_DOWN);
    for (Field field : fields) {
      if (field.getType() != BerthServer.class || Modifier.isFinal(field.getModifiers())) {
        throw new ExtensionConfigurationException(
            "@InjectBerth needs a non-final field of type BerthServer, not " + field);
      }
    }
    return fields;
  }

  private static void set(Field field, @Nullable Object instance, BerthServer server) {
    try {
      field.setAccessible(true);
      field.set(instance, server);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new ExtensionConfigurationException("BerthExtension cannot set " + field, e);
    }
  }
}
