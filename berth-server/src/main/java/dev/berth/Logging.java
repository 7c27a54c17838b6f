package dev.berth;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import dev.berth.config.LogFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log format ({@code --log-format}). Text is {@link LogSetup}'s; JSON swaps the encoder of its
 * one appender for logback's {@link JsonEncoder}: one object per line, with {@code timestamp}
 * (epoch milliseconds), {@code level}, {@code threadName}, {@code loggerName}, {@code
 * formattedMessage}, the event's key-value pairs in {@code kvpList} (the access log's fields) and
 * {@code throwable} when there is one.
 */
public final class Logging {
  private Logging() {}

  /** Every line logged from now on is in {@code format}. */
  public static void use(LogFormat format) {
    if (format == LogFormat.TEXT
        || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    var root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    if (!(root.getAppender(LogSetup.APPENDER)
        instanceof OutputStreamAppender<ILoggingEvent> appender)) {
      throw new IllegalStateException("logging has no appender " + LogSetup.APPENDER);
    }
    var json = new JsonEncoder();
    json.setContext(context);
    json.setWithContext(false);
    json.setWithSequenceNumber(false);
    json.setWithNanoseconds(false);
    json.setWithMessage(false);
    json.setWithArguments(false);
    json.setWithFormattedMessage(true);
    json.start();
    appender.stop();
    appender.setEncoder(json);
    appender.start();
  }
}
