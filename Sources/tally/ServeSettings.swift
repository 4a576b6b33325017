import ArgumentParser
import Foundation
import TallyCore

/// Where `tally serve`'s settings come from, strongest first: a flag on the command line, its
/// environment variable, the config file, the default. Every option has one documented variable
/// (`--rate-limit` is `TALLY_RATE_LIMIT`); the config file (`--config PATH` or `TALLY_CONFIG`)
/// is a JSON object keyed by the flags' names (`{"port": 8080, "rate-limit": 600}`).
///
/// Values from the environment and the file are turned into the flags they stand for and parsed
/// by the same parser as the command line, one at a time first, so that a malformed value fails
/// startup with a message naming its variable or key, never a silent default. A key the file does
/// not know is an error too: a typo must not leave a setting at its default unnoticed. (Unknown
/// `TALLY_` variables are left alone: scripts use a few of their own.)
enum ServeSettings {
    /// One setting: its flag (without `--`), its variable, and whether it is a switch.
    struct Setting: Sendable {
        let flag: String
        let isSwitch: Bool
        /// The variable's name when it is not the rule's (`--hostname` is `TALLY_HOST`).
        var name: String? = nil
        /// `TALLY_` and the flag in upper case, dashes as underscores, unless named otherwise.
        var variable: String { name ?? "TALLY_" + flag.uppercased().replacingOccurrences(of: "-", with: "_") }
    }

    /// Every setting of `tally serve`, in the order the help lists them.
    static let settings: [Setting] = [
        Setting(flag: "database", isSwitch: false), Setting(flag: "durability", isSwitch: false),
        Setting(flag: "pool-size", isSwitch: false), Setting(flag: "hostname", isSwitch: false, name: "TALLY_HOST"),
        Setting(flag: "port", isSwitch: false), Setting(flag: "demo", isSwitch: true),
        Setting(flag: "batch-size-max", isSwitch: false), Setting(flag: "body-bytes-max", isSwitch: false),
        Setting(flag: "log-level", isSwitch: false), Setting(flag: "log-format", isSwitch: false),
        Setting(flag: "rate-limit", isSwitch: false),
        Setting(flag: "idempotency-hours", isSwitch: false), Setting(flag: "idle-timeout", isSwitch: false),
        Setting(flag: "metrics-address", isSwitch: false),
        Setting(flag: "webhooks-allow-private", isSwitch: true), Setting(flag: "webhook-attempts", isSwitch: false),
        Setting(flag: "webhook-retry-ms", isSwitch: false), Setting(flag: "webhook-timeout", isSwitch: false),
        Setting(flag: "events-wait-max", isSwitch: false),
        // One replica from the environment or the file; several by repeating the flag.
        Setting(flag: "read-database", isSwitch: false), Setting(flag: "replica-lag-max-ms", isSwitch: false),
    ]

    /// The config file's name in the environment.
    static let configVariable = "TALLY_CONFIG"

    /// A startup error that names the variable or key at fault.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The arguments `tally serve` parses: the config file's settings, then the environment's,
    /// then `arguments` (the command line after `serve`), so that a later one wins.
    static func arguments(_ arguments: [String], environment: [String: String]) throws -> [String] {
        var (commandLine, configPath) = try takeConfig(arguments)
        if configPath == nil, let path = environment[configVariable], !path.isEmpty { configPath = path }
        var fromFile = [String]()
        if let configPath { fromFile = try file(at: configPath) }
        var fromEnvironment = [String]()
        for setting in settings {
            guard let value = environment[setting.variable] else { continue }
            fromEnvironment += try flags(setting, text: value, origin: setting.variable)
        }
        commandLine = commandLine.filter { !$0.isEmpty }
        return fromFile + fromEnvironment + commandLine
    }

    /// Takes `--config PATH` (or `--config=PATH`) out of the command line.
    static func takeConfig(_ arguments: [String]) throws -> (rest: [String], path: String?) {
        var rest = [String]()
        var path: String?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--config" {
                guard index + 1 < arguments.count else { throw Failure(description: "--config needs a file path.") }
                path = arguments[index + 1]
                index += 2
                continue
            }
            if argument.hasPrefix("--config=") {
                path = String(argument.dropFirst("--config=".count))
            } else {
                rest.append(argument)
            }
            index += 1
        }
        return (rest, path)
    }

    /// The flags a config file stands for.
    static func file(at path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "Cannot read the config file \(path).")
        }
        guard case .object(let entries) = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw Failure(description: "The config file \(path) is not a JSON object.")
        }
        var result = [String]()
        let byFlag = Dictionary(uniqueKeysWithValues: settings.map { ($0.flag, $0) })
        for key in entries.keys.sorted() {
            guard let setting = byFlag[key] else {
                throw Failure(
                    description:
                        "The config file \(path) has an unknown key '\(key)'; keys are the flags of tally serve without --."
                )
            }
            let origin = "\(path): \(key)"
            let text: String
            switch entries[key] {
            case .bool(let flag) where setting.isSwitch:
                text = flag ? "true" : "false"
            case .integer(let integer) where !setting.isSwitch:
                text = String(integer)
            case .string(let string) where !setting.isSwitch:
                text = string
            default:
                throw Failure(
                    description: "\(origin) must be \(setting.isSwitch ? "true or false" : "a string or number").")
            }
            result += try flags(setting, text: text, origin: origin)
        }
        return result
    }

    /// The flags `text` stands for, checked by parsing them alone.
    static func flags(_ setting: Setting, text: String, origin: String) throws -> [String] {
        let flags: [String]
        if setting.isSwitch {
            switch text.lowercased() {
            case "true", "1", "yes": flags = ["--\(setting.flag)"]
            case "false", "0", "no", "": flags = []
            default: throw Failure(description: "\(origin) must be true or false.")
            }
        } else {
            flags = ["--\(setting.flag)", text]
        }
        do {
            _ = try Serve.parse(flags)
        } catch {
            // The parser's own sentence, which names the flag; a database URL is never echoed.
            let reason =
                ["database", "read-database"].contains(setting.flag)
                ? "is not a valid database URL" : Serve.message(for: error)
            throw Failure(description: "\(origin): \(reason)")
        }
        return flags
    }
}
