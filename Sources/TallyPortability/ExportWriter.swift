import Foundation
import TallyCore

/// Writes an export: the header, each record as it comes, then the trailer, buffered in pieces
/// of about 1 MiB so that memory stays bounded whatever the size.
public final class ExportWriter: @unchecked Sendable {
    // One export writes from one task at a time; the lock keeps that true if it is not.
    private let lock = NSLock()
    private let output: FileHandle
    private let encoder: JSONEncoder
    private var buffer = Data()
    /// Records written so far (header and trailer not counted).
    public private(set) var records = 0
    /// Bytes handed to the output so far (header and trailer counted).
    public private(set) var bytes = 0

    /// Starts an export to `output` by writing its header.
    public init(to output: FileHandle, header: ExportHeader) throws {
        self.output = output
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        buffer.reserveCapacity(1 << 20 + 4096)
        buffer.append(try encoder.encode(header))
        buffer.append(UInt8(ascii: "\n"))
    }

    /// Writes one record.
    public func write(_ record: StoredRecord) throws {
        try lock.withLock {
            buffer.append(try ExportRecord(record).encoded(with: encoder))
            buffer.append(UInt8(ascii: "\n"))
            records += 1
            if buffer.count >= 1 << 20 { try flushLocked() }
        }
    }

    /// Writes the trailer and everything still buffered. Without it the file reads as cut short.
    public func finish() throws {
        try lock.withLock {
            buffer.append(try encoder.encode(ExportTrailer(records: records)))
            buffer.append(UInt8(ascii: "\n"))
            try flushLocked()
        }
    }

    private func flushLocked() throws {
        try output.write(contentsOf: buffer)
        bytes += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
