/** One server-sent event: its data lines joined by "\n". */
export interface ServerSentEvent {
	event?: string;
	id?: string;
	data: string;
}

/**
 * Incremental Server-Sent Events parser (WHATWG rules): accepts bytes split anywhere,
 * including inside a multi-byte UTF-8 character or between CR and LF. Pure.
 */
export class SseParser {
	private readonly decoder = new TextDecoder('utf-8');
	private buffer = '';
	private dataLines: string[] = [];
	private eventType: string | undefined;
	private eventId: string | undefined;

	push(chunk: Uint8Array | string): ServerSentEvent[] {
		this.buffer += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
		return this.drainLines(false);
	}

	/** Flushes what is left when the stream ends; an unterminated event is dispatched. */
	end(): ServerSentEvent[] {
		this.buffer += this.decoder.decode();
		const events = this.drainLines(true);
		if (this.buffer !== '') {
			this.processLine(this.buffer, events);
			this.buffer = '';
		}
		this.dispatch(events);
		return events;
	}

	private drainLines(atEnd: boolean): ServerSentEvent[] {
		const events: ServerSentEvent[] = [];
		let start = 0;
		for (let i = 0; i < this.buffer.length; i++) {
			const char = this.buffer[i];
			if (char !== '\n' && char !== '\r') continue;
			// A CR at the very end may be the first half of CRLF: wait for the next chunk.
			if (char === '\r' && i === this.buffer.length - 1 && !atEnd) break;
			this.processLine(this.buffer.slice(start, i), events);
			if (char === '\r' && this.buffer[i + 1] === '\n') i++;
			start = i + 1;
		}
		this.buffer = this.buffer.slice(start);
		return events;
	}

	private processLine(line: string, events: ServerSentEvent[]) {
		if (line === '') return this.dispatch(events);
		if (line.startsWith(':')) return;
		const colon = line.indexOf(':');
		const field = colon === -1 ? line : line.slice(0, colon);
		let value = colon === -1 ? '' : line.slice(colon + 1);
		if (value.startsWith(' ')) value = value.slice(1);
		if (field === 'data') this.dataLines.push(value);
		else if (field === 'event') this.eventType = value;
		else if (field === 'id') this.eventId = value;
	}

	private dispatch(events: ServerSentEvent[]) {
		if (this.dataLines.length > 0) {
			const event: ServerSentEvent = { data: this.dataLines.join('\n') };
			if (this.eventType !== undefined) event.event = this.eventType;
			if (this.eventId !== undefined) event.id = this.eventId;
			events.push(event);
		}
		this.dataLines = [];
		this.eventType = undefined;
	}
}
