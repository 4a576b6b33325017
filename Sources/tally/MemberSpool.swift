import Foundation
import TallyCore
import TallyRepresentations

/// The JSON lines of the members an import creates, kept in a temporary file until the import
/// commits and only then copied to stdout, so that memory does not grow with the rows and a
/// failed import prints nothing. The file is unlinked as soon as it is made: it goes when the
/// command ends, however it ends.
final class MemberSpool: @unchecked Sendable {
    // Written from the one task that runs the load, then read once after it.

    private let handle: FileHandle
    private var buffer = [UInt8]()
    /// The last join time formatted: an import's members share it.
    private var joined: (milliseconds: Int64, text: String)?

    /// A spool in the temporary directory (`TMPDIR`).
    init() throws(TallyError) {
        var template = Array(
            FileManager.default.temporaryDirectory.appendingPathComponent("tally-members-XXXXXX").path.utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw .validation("Cannot make a temporary file in \(FileManager.default.temporaryDirectory.path).")
        }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        buffer.reserveCapacity(1 << 20 + 4096)
    }

    /// Adds the members' lines, writing them out a mebibyte at a time.
    func append(_ members: [Lined<Member>]) throws(TallyError) {
        for member in members.lazy.map(\.value) {
            let joinedAt: String
            if let joined, joined.milliseconds == member.createdAtMilliseconds {
                joinedAt = joined.text
            } else {
                joinedAt = Timestamp.iso8601(milliseconds: member.createdAtMilliseconds)
                joined = (member.createdAtMilliseconds, joinedAt)
            }
            Representation.MemberBody(member, joinedAt: joinedAt).appendJSONLine(to: &buffer)
            if buffer.count >= 1 << 20 { try flush() }
        }
    }

    /// Copies every line to `output`, a mebibyte at a time.
    func copy(to output: FileHandle) throws(TallyError) {
        try flush()
        do {
            try handle.seek(toOffset: 0)
            while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty {
                try output.write(contentsOf: block)
            }
        } catch {
            throw .validation("Cannot print the imported members: \(error.localizedDescription)")
        }
    }

    private func flush() throws(TallyError) {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw .validation("Cannot write the temporary file of imported members: \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
