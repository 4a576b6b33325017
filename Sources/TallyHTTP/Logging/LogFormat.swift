import Foundation
import Logging

/// How `tally serve` writes its log on standard error: `text` for people (swift-log's stream
/// handler), `json` for machines (`JSONLogHandler`, one object per line).
public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json

    /// `text` when standard error is a terminal, `json` otherwise.
    public static var standard: LogFormat { isatty(STDERR_FILENO) != 0 ? .text : .json }

    /// A handler of this format for `label`, writing to standard error.
    public func handler(label: String) -> any LogHandler {
        switch self {
        case .text: StreamLogHandler.standardError(label: label)
        case .json: JSONLogHandler.standardError(label: label)
        }
    }
}
