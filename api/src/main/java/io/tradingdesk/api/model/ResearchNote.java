package io.tradingdesk.api.model;

import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.Instant;
import java.util.List;

/** A research note. {@code payload} is the jsonb text as PostgreSQL returns it, written through without parsing. */
public record ResearchNote(long id, String symbol, String model, String title, String body,
                           @JsonRawValue String payload, List<String> tags, Instant createdAt) {
}
