/** How one item's result is shaped into its output item. */
export interface OutputSettings {
	simplify: boolean;
	includeInputFields: boolean;
	outputField: string;
	trimText: boolean;
	includeLogprobs: boolean;
	/** Output Content as JSON; only ever true with Simplify Output on. */
	jsonOutput: boolean;
	/** Retries on Invalid JSON (0 when jsonOutput is off). */
	jsonRetries: number;
}
