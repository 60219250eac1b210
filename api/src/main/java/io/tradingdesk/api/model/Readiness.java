package io.tradingdesk.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code GET /health/ready} and {@code /health/live}; fields a probe did not check are left out. {@code readsOnly} is
 * true when the primary does not answer but a replica does (with {@code DATABASE_READ_URL}): the instance serves
 * reads and answers writes with 503.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Readiness(String status, Boolean migrated, Boolean databaseReachable, Boolean readsOnly) {

    public Readiness(String status, Boolean migrated, Boolean databaseReachable) {
        this(status, migrated, databaseReachable, null);
    }
}
