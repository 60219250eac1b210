package io.tradingdesk.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/** {@code GET /health/ready} and {@code /health/live}; fields a probe did not check are left out. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Readiness(String status, Boolean migrated, Boolean databaseReachable) {
}
