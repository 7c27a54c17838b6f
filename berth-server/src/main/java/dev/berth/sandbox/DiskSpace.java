package dev.berth.sandbox;

/**
 * What a session's outputs and workspace hold together, as its quota counts it.
 *
 * @param usedBytes bytes held: the volume's used blocks, or the walk's sum of file sizes
 * @param full whether the quota is reached: the volume has no room left, or the sum is past it
 */
public record DiskSpace(long usedBytes, boolean full) {}
