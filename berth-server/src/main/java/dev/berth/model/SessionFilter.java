package dev.berth.model;

import java.util.List;
import java.util.Optional;

/**
 * The filters of {@code GET /v1/sessions} (spec §3.3); {@code memoryStoreId}: sessions with that
 * memory store attached.
 */
public record SessionFilter(
    boolean includeArchived,
    Optional<String> agentId,
    Optional<Integer> agentVersion,
    Optional<String> memoryStoreId,
    List<String> statuses,
    Optional<String> createdGt,
    Optional<String> createdGte,
    Optional<String> createdLt,
    Optional<String> createdLte,
    boolean descending,
    boolean matchNothing) {}
