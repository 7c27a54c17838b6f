package dev.berth.config;

/** How log lines are written ({@code --log-format}): plain text, or one JSON object per line. */
public enum LogFormat {
  TEXT,
  JSON
}
