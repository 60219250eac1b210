package io.tradingdesk.api.store;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request the stores refuse on the desk's own rules, not because of malformed input: a reference to a row that
 * does not exist, a change that lost a race, a step the workflow does not allow. The HTTP layer maps the kind to a
 * status in one place. Messages name ids and states, never SQL or constraint internals. Immutable.
 */
public final class DomainException extends RuntimeException {

    /** Why the request was refused. */
    public enum Kind {
        /** The row the request is about does not exist (404). */
        NOT_FOUND,
        /** The row changed or was used meanwhile: a stale version, a pitch already executed (409). */
        CONFLICT,
        /** A valid request the rules do not allow: an unknown reference, an illegal transition (422). */
        RULE_BROKEN
    }

    private final Kind kind;
    private final Map<String, Object> details;

    public DomainException(Kind kind, String message, Map<String, ?> details) {
        // No stack trace: these are expected outcomes on ordinary request paths.
        super(message, null, false, false);
        this.kind = kind;
        this.details = new LinkedHashMap<>(details);
    }

    static DomainException notFound(String message, Map<String, ?> details) {
        return new DomainException(Kind.NOT_FOUND, message, details);
    }

    static DomainException conflict(String message, Map<String, ?> details) {
        return new DomainException(Kind.CONFLICT, message, details);
    }

    static DomainException ruleBroken(String message, Map<String, ?> details) {
        return new DomainException(Kind.RULE_BROKEN, message, details);
    }

    public Kind kind() {
        return kind;
    }

    public Map<String, Object> details() {
        return details;
    }
}
