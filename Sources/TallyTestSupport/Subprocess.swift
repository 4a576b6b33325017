import Foundation

/// Small helpers the test targets share for running programs and finding ports.
public enum Subprocess {
    /// Runs `arguments` (an absolute path first, or a program found on PATH) in `directory`
    /// (`/tmp`, which every user may enter, by default) and returns its output; throws with the
    /// output when it exits non-zero.
    @discardableResult
    public static func run(_ arguments: [String], in directory: URL = URL(fileURLWithPath: "/tmp")) throws -> String {
        let process = ChildProcess()
        let absolute = arguments[0].hasPrefix("/")
        process.executableURL = URL(fileURLWithPath: absolute ? arguments[0] : "/usr/bin/env")
        process.arguments = absolute ? Array(arguments.dropFirst()) : arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SubprocessFailure(description: "\(arguments.joined(separator: " ")) failed: \(text)")
        }
        return text
    }

    /// A port nobody listens on right now on 127.0.0.1 (bound to port 0, then released).
    public static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SubprocessFailure(description: "socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw SubprocessFailure(description: "bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A program that failed, with what it printed.
public struct SubprocessFailure: Error, CustomStringConvertible {
    public let description: String
}
