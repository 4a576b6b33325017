import Foundation
import TallyCore

/// The file an importing command reads: a path, or standard input for `-`, with its size when
/// it is a file (for the progress estimate).
struct InputFile {
    let handle: FileHandle
    let size: Int64?

    init(_ path: String) throws {
        if path == "-" {
            handle = FileHandle.standardInput
            size = nil
            return
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TallyError.validation("Cannot read \(path).")
        }
        self.handle = handle
        size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? nil
    }

    /// Throws unless `initiator`, the `--initiator` of an import's opening entries, fits the limit.
    static func checkInitiator(_ initiator: String) throws {
        guard initiator.count <= Limits.standard.initiatorLengthMax else {
            throw TallyError.validation("--initiator is longer than \(Limits.standard.initiatorLengthMax) characters.")
        }
    }
}
