import Foundation
import Logging
import Synchronization
import TallyCore

/// A swift-log handler that writes one JSON object per line:
/// `{"time":"…Z","level":"info","label":"tally","message":"…", …metadata}`.
///
/// Metadata is written at the top level, after the fixed fields, so log tools index it without
/// unpacking (a metadata key that repeats a fixed field's name is written with a leading `_`).
/// Integers, floating-point numbers and booleans given as `.stringConvertible` are written as
/// JSON numbers and booleans; everything else as strings, objects and arrays. Each line is built
/// in memory and written with one `write`, under a lock, so concurrent lines never interleave.
public struct JSONLogHandler: LogHandler {
    /// Where lines go: a function given each complete line, newline included.
    public typealias Sink = @Sendable ([UInt8]) -> Void

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: Sink

    /// A handler for `label` writing to standard error.
    public static func standardError(label: String, metadataProvider: Logger.MetadataProvider? = nil) -> Self {
        JSONLogHandler(label: label, metadataProvider: metadataProvider, sink: StandardError.write)
    }

    /// A handler for `label` writing each line to `sink`.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil, sink: @escaping Sink) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        log(level: event.level, message: event.message, metadata: event.metadata)
    }

    private func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?) {
        var merged = self.metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit { merged.merge(explicit) { _, new in new } }
        var out = [UInt8]()
        out.reserveCapacity(256)
        out += Array(#"{"time":"#.utf8)
        Self.appendString(Timestamp.iso8601(milliseconds: Timestamp.milliseconds(Date())), to: &out)
        out += Array(#","level":"#.utf8)
        Self.appendString(level.rawValue, to: &out)
        out += Array(#","label":"#.utf8)
        Self.appendString(label, to: &out)
        out += Array(#","message":"#.utf8)
        Self.appendString(message.description, to: &out)
        for key in merged.keys.sorted() {
            out.append(UInt8(ascii: ","))
            Self.appendString(Self.fixedFields.contains(key) ? "_" + key : key, to: &out)
            out.append(UInt8(ascii: ":"))
            Self.appendValue(merged[key]!, to: &out)
        }
        out += Array("}\n".utf8)
        sink(out)
    }

    static let fixedFields: Set<String> = ["time", "level", "label", "message"]

    static func appendValue(_ value: Logger.MetadataValue, to out: inout [UInt8]) {
        switch value {
        case .string(let text):
            appendString(text, to: &out)
        case .stringConvertible(let convertible):
            switch convertible {
            case let number as any BinaryInteger:
                out += Array(number.description.utf8)
            case let number as Double where number.isFinite:
                out += Array(number.description.utf8)
            case let flag as Bool:
                out += Array((flag ? "true" : "false").utf8)
            default:
                appendString(convertible.description, to: &out)
            }
        case .dictionary(let dictionary):
            out.append(UInt8(ascii: "{"))
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                appendValue(dictionary[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendValue(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
    }

    /// `text` as a JSON string: quotes, backslashes and control characters escaped, the rest
    /// as UTF-8.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20, 0x7F:
                out += Array(#"\u00"#.utf8)
                out += [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Standard error, written one whole line at a time.
private enum StandardError {
    private static let lock = Mutex(())

    static let write: JSONLogHandler.Sink = { line in
        lock.withLock { _ in
            line.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                    if written > 0 {
                        offset += written
                    } else if written < 0 && errno == EINTR {
                        continue
                    } else {
                        return
                    }
                }
            }
        }
    }
}
