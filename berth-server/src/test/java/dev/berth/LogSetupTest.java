package dev.berth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class LogSetupTest {
  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

  @Test
  void logbackStartsWithOneStandardErrorAppenderAtInfo() {
    var root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.INFO);
    assertThat(root.getAppender(LogSetup.APPENDER))
        .isInstanceOfSatisfying(
            ConsoleAppender.class,
            appender -> assertThat(appender.getTarget()).isEqualTo("System.err"));
    assertThat(context.getLogger("dev.berth.Berth").getEffectiveLevel()).isEqualTo(Level.INFO);
  }

  @Test
  void librariesThatLogTheirOwnStartLogOnlyWarnings() {
    for (String library :
        new String[] {
          "org.eclipse.jetty.server.Server",
          "io.javalin.Javalin",
          "com.zaxxer.hikari.HikariDataSource",
          "org.flywaydb.core.Flyway"
        }) {
      assertThat(context.getLogger(library).getEffectiveLevel()).as(library).isEqualTo(Level.WARN);
    }
  }
}
