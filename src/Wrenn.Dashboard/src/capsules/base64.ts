// The PTY protocol carries raw terminal bytes as standard base64 (spec §4.10.3).

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  // In slices: spreading a large array into one call overflows the argument limit.
  for (let offset = 0; offset < bytes.length; offset += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  }
  return btoa(binary);
}

export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const encoder = new TextEncoder();

/** What xterm reports as typed (a JS string) as the UTF-8 bytes a terminal expects. */
export const textToBase64 = (text: string) => bytesToBase64(encoder.encode(text));

/** xterm's "binary" data: one byte per character (some mouse reports are not UTF-8). */
export const binaryToBase64 = (binary: string) => btoa(binary);
