// Web APIs a worker gets from well-kept implementations instead of hand-written ones:
// URL and URLSearchParams from the WHATWG URL Standard's reference implementation, and the WHATWG Streams.
import { URL, URLSearchParams } from "whatwg-url";
import {
  ReadableStream, ReadableStreamDefaultReader, ReadableStreamBYOBReader, ReadableByteStreamController,
  ReadableStreamDefaultController, WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController,
  TransformStream, TransformStreamDefaultController, ByteLengthQueuingStrategy, CountQueuingStrategy,
} from "web-streams-polyfill";

for (const [name, value] of Object.entries({
  URL, URLSearchParams,
  ReadableStream, ReadableStreamDefaultReader, ReadableStreamBYOBReader, ReadableByteStreamController,
  ReadableStreamDefaultController, WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController,
  TransformStream, TransformStreamDefaultController, ByteLengthQueuingStrategy, CountQueuingStrategy,
})) {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true });
}
