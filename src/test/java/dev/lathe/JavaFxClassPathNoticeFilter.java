package dev.lathe;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Drops exactly JavaFX's "Unsupported JavaFX configuration: classes were loaded from 'unnamed module'" notice from the
 * test output (named in src/test/resources/logging.properties); every other record, JavaFX's CSS warnings included, passes.
 */
public final class JavaFxClassPathNoticeFilter implements Filter {
    @Override
    public boolean isLoggable(LogRecord r) {
        String m = r.getMessage();
        return m == null || !m.startsWith("Unsupported JavaFX configuration");
    }
}
