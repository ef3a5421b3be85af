//! Server-Sent Events as Gemini sends them with `?alt=sse`: every event is
//! one `data:` line holding a whole `GenerateContentResponse`, events are
//! separated by a blank line (`\n\n` or `\r\n\r\n`), and the stream ends
//! when the body closes (there is no `[DONE]`).

/// Splits a byte stream into the `data` payloads of its events, whatever
/// the chunk boundaries.
#[derive(Debug, Default)]
pub struct SseParser {
    /// Bytes of the line not yet terminated.
    line: Vec<u8>,
    /// `data` lines of the event being read.
    data: Option<String>,
    /// Largest event accepted (a guard against a runaway upstream).
    max_event_bytes: usize,
}

/// The payload of an event exceeded the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an upstream event exceeded {0} bytes")]
pub struct EventTooLarge(pub usize);

impl SseParser {
    pub fn new(max_event_bytes: usize) -> SseParser {
        SseParser {
            line: Vec::new(),
            data: None,
            max_event_bytes,
        }
    }

    /// Feeds bytes; returns the payloads of the events they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<String>, EventTooLarge> {
        let mut events = Vec::new();
        let mut rest = bytes;
        while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            self.line.extend_from_slice(&rest[..pos]);
            rest = &rest[pos + 1..];
            let mut line = std::mem::take(&mut self.line);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if let Some(event) = self.line_done(&line)? {
                events.push(event);
            }
        }
        self.line.extend_from_slice(rest);
        if self.line.len() + self.data.as_ref().map_or(0, String::len) > self.max_event_bytes {
            return Err(EventTooLarge(self.max_event_bytes));
        }
        Ok(events)
    }

    /// The body closed: an event still pending (no blank line after it) is
    /// delivered as it is; a caller parsing it will notice a truncation.
    pub fn finish(&mut self) -> Option<String> {
        let line = std::mem::take(&mut self.line);
        if !line.is_empty() {
            let line = line.strip_suffix(b"\r").unwrap_or(&line).to_vec();
            // An over-long tail cannot happen here: push checked it.
            let _ = self.line_done(&line);
        }
        self.data.take()
    }

    fn line_done(&mut self, line: &[u8]) -> Result<Option<String>, EventTooLarge> {
        if line.is_empty() {
            return Ok(self.data.take());
        }
        if line.starts_with(b":") {
            return Ok(None); // a comment
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => {
                let value = &line[i + 1..];
                (&line[..i], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        if field == b"data" {
            let value = String::from_utf8_lossy(value);
            match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(&value);
                }
                None => self.data = Some(value.into_owned()),
            }
            if self.data.as_ref().map_or(0, String::len) > self.max_event_bytes {
                return Err(EventTooLarge(self.max_event_bytes));
            }
        }
        // `event`, `id`, `retry` and unknown fields carry nothing for Gemini.
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(chunks: &[&[u8]]) -> Vec<String> {
        let mut parser = SseParser::new(1 << 20);
        let mut out = Vec::new();
        for chunk in chunks {
            out.extend(parser.push(chunk).unwrap());
        }
        out.extend(parser.finish());
        out
    }

    #[test]
    fn events_split_on_blank_lines_of_either_style() {
        let body = b"data: {\"a\":1}\r\n\r\ndata: {\"b\":2}\n\ndata: {\"c\":3}\r\n\r\n";
        assert_eq!(all(&[body]), [r#"{"a":1}"#, r#"{"b":2}"#, r#"{"c":3}"#]);
    }

    #[test]
    fn every_chunk_boundary_gives_the_same_events() {
        let body: &[u8] = b"data: {\"text\":\"h\xc3\xa9llo\"}\r\n\r\n: keep-alive\r\n\r\ndata: {\"x\":[1,2]}\r\n\r\n";
        let expected = all(&[body]);
        assert_eq!(expected, [r#"{"text":"héllo"}"#, r#"{"x":[1,2]}"#]);
        for i in 0..body.len() {
            for j in i..body.len() {
                assert_eq!(
                    all(&[&body[..i], &body[i..j], &body[j..]]),
                    expected,
                    "{i} {j}"
                );
            }
        }
    }

    #[test]
    fn a_trailing_event_without_blank_line_is_delivered_at_close() {
        assert_eq!(all(&[b"data: {\"a\":1}\r\n"]), [r#"{"a":1}"#]);
        assert_eq!(all(&[b"data: {\"a\":1"]), [r#"{"a":1"#]);
        assert!(all(&[b""]).is_empty());
    }

    #[test]
    fn multi_line_data_is_joined_and_other_fields_ignored() {
        assert_eq!(
            all(&[b"event: x\nid: 3\ndata: a\ndata:b\nretry: 5\n\n"]),
            ["a\nb"]
        );
    }

    #[test]
    fn oversized_events_are_refused() {
        let mut parser = SseParser::new(8);
        assert!(parser.push(b"data: 0123456789").is_err());
        let mut parser = SseParser::new(8);
        assert!(parser.push(b"data: 0123\ndata: 456789\n").is_err());
    }
}
