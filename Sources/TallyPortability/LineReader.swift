import Foundation
import TallyCore

/// Reads a file a block at a time and hands out its lines, so that memory stays bounded by the
/// block and the longest line whatever the file's size.
final class LineReader {
    private let input: FileHandle
    private let lineBytesMax: Int
    private var buffer = [UInt8]()
    private var start = 0
    private var atEnd = false
    /// The number of the line `next` returned last (1-based).
    private(set) var lineNumber = 0
    /// Bytes read from the file so far.
    private(set) var bytesRead: Int64 = 0
    /// Whether the last line ended without a line feed (the file was cut mid-line).
    private(set) var lastLineWasCut = false

    init(_ input: FileHandle, lineBytesMax: Int) {
        self.input = input
        self.lineBytesMax = lineBytesMax
    }

    /// The next line without its line feed (and carriage return), or nil at the end.
    func next() throws(TallyError) -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var line = buffer[start..<newline]
                start = newline + 1
                lineNumber += 1
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                return line
            }
            if buffer.count - start > lineBytesMax {
                throw .validation("Line \(lineNumber + 1) is longer than \(lineBytesMax) bytes.")
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                lineNumber += 1
                lastLineWasCut = true
                return line
            }
            try fill()
        }
    }

    private func fill() throws(TallyError) {
        buffer.removeSubrange(0..<start)
        start = 0
        let block: Data?
        do {
            block = try input.read(upToCount: 1 << 20)
        } catch {
            throw .validation("Cannot read the file: \(error.localizedDescription)")
        }
        guard let block, !block.isEmpty else {
            atEnd = true
            return
        }
        bytesRead += Int64(block.count)
        buffer.append(contentsOf: block)
    }
}
