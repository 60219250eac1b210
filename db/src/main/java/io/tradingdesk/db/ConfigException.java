package io.tradingdesk.db;

/**
 * A configuration value is missing or invalid. The message is one line that names the variable, says what is wrong
 * with the value and gives the accepted range; it never contains a password.
 */
public final class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) {
        super(message);
    }
}
