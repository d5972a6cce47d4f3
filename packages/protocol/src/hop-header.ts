/**
 * `x-mcpctl-hop`: the mcpd instances an inference request has passed through, oldest first,
 * comma-separated. mcpd adds its own instance id to every upstream call it makes, and refuses
 * (508) a request that already names it or that has come through too many instances.
 */
export const HOP_HEADER = 'x-mcpctl-hop';

/** One instance id as it travels in the hop header. */
export const HOP_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Instances a request may already have passed through before mcpd refuses it. */
export const MAX_HOPS = 4;
