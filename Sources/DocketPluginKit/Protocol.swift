// Docket step plugin protocol, version 1.
//
// Docket runs a plugin once per step run, as a child process in a scratch working folder with a
// clean environment (only the variables plugin.yaml lists under `env:`, plus PATH, HOME and LANG).
//
// Standard input: one JSON request, then end of file:
//
//   {"protocol": 1,
//    "case": {"id": "2022-c1", "inputs": {...}},
//    "step": {"id": "check", "attempt": 1, "round": 1, "with": {...}},   // expressions resolved
//    "outputs": {"draft": {"document": "draft/諮問文.md"}, ...},          // earlier steps' outputs
//    "documents": [{"path": "draft/諮問文.md", "sha256": "...", "size": 1234,
//                   "file": "/abs/path/readable/copy"}],                   // read-only
//    "records": [{...}],                                                  // what a person recorded
//    "output_folder": "/abs/path/empty/folder",
//    "workspace": {"council": "…", "organization": "…", "head": "…", ...}} // the council's public names
//
// Standard output: one JSON response:
//
//   {"protocol": 1, "status": "completed", "outputs": {...}, "documents": ["report.md"]}
//   {"protocol": 1, "status": "waiting", "prompt": "what is needed"}
//   {"protocol": 1, "status": "failed", "message": "what went wrong and what to do"}
//
// `documents` names the files the plugin wrote, relative to output_folder. Standard error is for
// log lines; Docket keeps them with the case. Exit status 0 for every answer above; anything
// else, output that is not this protocol, a document outside output_folder, a run past the
// timeout or output over the size limit fails the step.
import Foundation

/// Any JSON value.
public enum JSONValue: Codable, Sendable, Equatable, CustomStringConvertible {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d):
            if d == d.rounded(), abs(d) < 1e15 { try c.encode(Int(d)) } else { try c.encode(d) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var int: Int? { if case .number(let d) = self { return Int(d) }; return nil }
    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var array: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public subscript(key: String) -> JSONValue? { if case .object(let o) = self { return o[key] }; return nil }

    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .number(let d): return d == d.rounded() ? String(Int(d)) : String(d)
        case .string(let s): return s
        default: return String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self)
        }
    }
}

/// The protocol version this kit speaks.
public let pluginProtocolVersion = 1

/// What Docket sends a plugin.
public struct PluginRequest: Codable, Sendable {
    public struct Case: Codable, Sendable {
        public var id: String
        public var inputs: [String: JSONValue]
    }

    public struct StepInfo: Codable, Sendable {
        public var id: String
        public var attempt: Int
        public var round: Int
        public var with: [String: JSONValue]
    }

    public struct Document: Codable, Sendable {
        public var path: String
        public var sha256: String
        public var size: Int64
        /// Where the plugin can read it.
        public var file: String
    }

    public var `protocol`: Int
    public var `case`: Case
    public var step: StepInfo
    public var outputs: [String: [String: JSONValue]]
    public var documents: [Document]
    public var records: [JSONValue]
    public var outputFolder: String
    /// The council's public names (absent from a Docket older than this field).
    public var workspace: [String: JSONValue]?

    enum CodingKeys: String, CodingKey {
        case `protocol`, `case`, step, outputs, documents, records, outputFolder = "output_folder", workspace
    }

    /// The document at `path` (as the case names it: `STEP/NAME`).
    public func document(_ path: String) -> Document? {
        documents.first { $0.path == path }
    }
}

/// What a plugin answers.
public enum PluginResponse: Sendable, Equatable {
    case completed(outputs: [String: JSONValue], documents: [String])
    case waiting(prompt: String)
    case failed(message: String)

    struct Wire: Codable {
        var `protocol`: Int
        var status: String
        var outputs: [String: JSONValue]?
        var documents: [String]?
        var prompt: String?
        var message: String?
    }

    public func encoded() throws -> Data {
        let wire: Wire
        switch self {
        case .completed(let outputs, let documents):
            wire = Wire(protocol: pluginProtocolVersion, status: "completed", outputs: outputs, documents: documents)
        case .waiting(let prompt):
            wire = Wire(protocol: pluginProtocolVersion, status: "waiting", prompt: prompt)
        case .failed(let message):
            wire = Wire(protocol: pluginProtocolVersion, status: "failed", message: message)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(wire)
    }
}

/// A plugin's failure, in words for the clerk; the kit answers it as `failed`.
public struct PluginFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs a plugin written as one function from request to response: reads the request from
/// standard input, answers on standard output, and turns thrown errors into `failed`.
public enum Plugin {
    public static func main(_ body: (PluginRequest) throws -> PluginResponse) -> Never {
        let response: PluginResponse
        let input = FileHandle.standardInput.readDataToEndOfFile()
        do {
            let request = try JSONDecoder().decode(PluginRequest.self, from: input)
            if request.protocol != pluginProtocolVersion {
                response = .failed(message: "this plugin speaks protocol \(pluginProtocolVersion), not \(request.protocol)")
            } else {
                response = try body(request)
            }
        } catch let error as DecodingError {
            response = .failed(message: "the request is not Docket protocol \(pluginProtocolVersion): \(error)")
        } catch {
            response = .failed(message: "\(error)")
        }
        do {
            FileHandle.standardOutput.write(try response.encoded())
            FileHandle.standardOutput.write(Data("\n".utf8))
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("cannot encode the response: \(error)\n".utf8))
            exit(70)
        }
    }

    /// Writes a log line to standard error (Docket keeps it with the case).
    public static func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
