import DocketCore
import DocketYAML
import Foundation

/// Where uploads live in the workspace, and what becomes of them. A request's files arrive in
/// `uploads/.staging-<random>/` (removed on any failure); an accepted upload is moved, in one
/// rename, to `uploads/<case>/<what>/`, which the case's inputs or record then name as a folder,
/// exactly as `docket new --input materials_folder=DIR` or `record --materials DIR` would.
/// Steps copy from there into the case's documents, so the folder is kept (as the department's
/// own folder would be).
struct UploadArea: Sendable {
    let root: URL

    var folder: URL { root.appendingPathComponent("uploads", isDirectory: true) }

    /// A new staging folder's path (not created).
    func staging() -> URL {
        folder.appendingPathComponent(".staging-\(UUID().uuidString)", isDirectory: true)
    }

    /// Moves a staging folder to `uploads/<case>/<label>` (a fresh name each time), returning it.
    func keep(_ staging: URL, caseID: String, label: String) throws -> URL {
        let caseFolder = folder.appendingPathComponent(caseID, isDirectory: true)
        try FileManager.default.createDirectory(at: caseFolder, withIntermediateDirectories: true)
        var target = caseFolder.appendingPathComponent(label, isDirectory: true)
        var n = 2
        while FileManager.default.fileExists(atPath: target.path) {
            target = caseFolder.appendingPathComponent("\(label)-\(n)", isDirectory: true)
            n += 1
        }
        do {
            try FileManager.default.moveItem(at: staging, to: target)
        } catch {
            throw UploadError.io(error.localizedDescription)
        }
        return target
    }

    /// Removes a kept upload whose action was refused (best effort: it is only a copy).
    func discard(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
        let parent = url.deletingLastPathComponent()
        if (try? FileManager.default.contentsOfDirectory(atPath: parent.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: parent)
        }
    }
}

/// The new-case page and the corrected-materials upload, apart from HTTP.
struct CaseUploads: Sendable {
    let runner: Runner
    let area: UploadArea

    struct NewCaseView: Sendable {
        var title: String
        var workflow: String
        var workflowTitle: String
        var caseID: String
        var message: String?
        var busy = false
        var general: [String] = []
        var controls: [FormControl]
        var caseErrors: [String] = []
        var hasCaseErrors = false
        var csrf: String
        var maxFile: String
        var maxRequest: String
        var summary = ErrorSummary()
        /// The files a refused form had attached, named so the person chooses them again.
        var filesAgain: String?

        /// Gathers the problems shown at the fields into the summary at the top.
        mutating func summarize() {
            summary = ErrorSummary(controls: controls,
                                   before: caseErrors.map { .init(href: "#f-case", text: "案件番号：\($0)") },
                                   after: general.map { .init(href: "#new-case-form", text: $0) })
        }
    }

    /// The form for a new case under `workflow` (a loaded workflow and its path).
    func newCaseView(_ workflow: Workflow, values: FormValues?, errors: FieldErrors = FieldErrors(), limits: UploadLimits,
                     fixed: [String: String] = [:], csrf: String) -> NewCaseView {
        // A first showing has the defaults, and the fields the account fixes (its department).
        let controls = SchemaForm(workflow.inputs).controls(values: values ?? FormValues(fixed.map { .init($0.key, $0.value) }), errors: errors)
        let caseErrors = errors["case"]
        var view = NewCaseView(title: "新規案件：\((workflow.title.isEmpty ? workflow.name : workflow.title))", workflow: workflow.name,
                               workflowTitle: (workflow.title.isEmpty ? workflow.name : workflow.title), caseID: values?["case"] ?? "",
                               general: errors.general, controls: controls, caseErrors: caseErrors, hasCaseErrors: !caseErrors.isEmpty,
                               csrf: csrf, maxFile: UploadError.size(limits.maxFileBytes), maxRequest: UploadError.size(limits.maxRequestBytes))
        view.summarize()
        return view
    }

    /// Opens the case from a received form: its folder inputs name the uploaded files' folders.
    /// On any refusal the uploads are removed and the problems returned by field.
    func open(_ form: UploadedForm, workflowPath: String, workflow: Workflow, by user: String) throws -> String {
        let values = form.fields
        guard let caseID = values.text("case") else {
            try? FileManager.default.removeItem(at: form.staging)
            var r = Refusal(status: 422, message: nil)
            r.diagnostics = [Diagnostic(file: "form", mark: nil, message: "'case' (案件番号) is missing: give the new case's id, for example 2022-c1")]
            throw r
        }
        guard CaseStore.isValidCaseID(caseID), !FileManager.default.fileExists(atPath: runner.store.folder(caseID).path) else {
            try? FileManager.default.removeItem(at: form.staging)
            throw CaseStore.isValidCaseID(caseID) ? CaseError.caseExists(caseID) : CaseError.invalidCaseID(caseID)
        }
        let kept = try area.keep(form.staging, caseID: caseID, label: "inputs")
        do {
            var signedIn = self.runner
            signedIn.user = user
            let (node, places) = try SchemaForm(workflow.inputs).node(from: values, files: Self.paths(of: form, keptIn: kept, schema: workflow.inputs))
            do {
                _ = try signedIn.open(caseID: caseID, workflowPath: workflowPath, inputs: node, source: "form")
            } catch {
                throw Refusal(error).placed(places)
            }
            if (try? FileManager.default.contentsOfDirectory(atPath: kept.path))?.isEmpty == true { area.discard(kept) }
            return caseID
        } catch {
            area.discard(kept)
            throw error
        }
    }

    /// The board's own paths for a received form's path fields, once its staging folder is
    /// kept at `kept`: a folder field names the folder of the files sent under it, a file
    /// field its one file. Fields nothing was sent under are left out (and so not given).
    static func paths(of form: UploadedForm, keptIn kept: URL, schema: Schema) -> [String: String] {
        var paths: [String: String] = [:]
        for (name, type) in SchemaForm.pathFields(schema, path: "") {
            guard let sent = form.files[name], !sent.isEmpty else { continue }
            let folder = kept.appendingPathComponent(name, isDirectory: true)
            switch type {
            case .file where sent.count == 1: paths[name] = folder.appendingPathComponent(sent[0]).path
            case .file: continue
            default: paths[name] = folder.path
            }
        }
        return paths
    }

    /// Records the uploaded files (field `files`) as the corrected materials of the waiting
    /// drafting step, as `docket record ID STEP --materials FOLDER --reason TEXT` does.
    func recordMaterials(_ id: String, form: UploadedForm, by user: String) throws -> String {
        let actions = CaseActions(runner: runner)
        let allowed = try actions.allowedActions(id)
        if allowed.materialsStep == nil, let input = allowed.missingFilesInput {
            try addMissingFiles(id, input: input, form: form, by: user)
            return input
        }
        guard let step = allowed.materialsStep else {
            try? FileManager.default.removeItem(at: form.staging)
            throw Refusal(status: 409, message: allowed.whyNotJapanese(.supplyMaterials) ?? "資料を待っている手順はありません。")
        }
        guard form.files["files"]?.isEmpty == false else {
            try? FileManager.default.removeItem(at: form.staging)
            throw Refusal(status: 422, message: "ファイルが選ばれていません。修正した資料のファイルを選んでください。")
        }
        let kept = try area.keep(form.staging, caseID: id, label: "materials")
        do {
            // Only the corrected files need sending: the others of the materials so far are kept.
            try Self.addOldFiles(of: try currentMaterials(id, step: step),
                                 to: kept.appendingPathComponent("files", isDirectory: true), except: form.files["files"] ?? [])
            var values = FormValues()
            if let reason = form.fields.text("reason") { values.append("reason", reason) }
            let schema = try CaseActions(runner: runner).recordSchema(id, step: step)
            let (node, _) = try SchemaForm(schema).node(from: values, files: ["materials": kept.appendingPathComponent("files").path])
            try CaseActions(runner: runner).record(id, step: step, values: node, source: "upload", by: user)
            return step
        } catch {
            area.discard(kept)
            throw error
        }
    }

    /// The folder of the materials the drafting step used last: its latest record's, else the
    /// case's folder input.
    func currentMaterials(_ id: String, step: String) throws -> String? {
        let (_, state) = try runner.store.load(id)
        for record in state.step(step).records.reversed() {
            if case .map(let m) = record, let folder = m["materials"]?.stringValue { return folder }
        }
        let workflow = try runner.workflow(of: id)
        let input = workflow.folderInput
        return input.flatMap { state.inputs[$0]?.stringValue }
    }

    /// A failed case's missing files: the folder input's files so far and the uploaded ones
    /// (which win on a name) become a new folder the input names.
    func addMissingFiles(_ id: String, input: String, form: UploadedForm, by user: String) throws {
        guard let sent = form.files["files"], !sent.isEmpty else {
            try? FileManager.default.removeItem(at: form.staging)
            throw Refusal(status: 422, message: "ファイルが選ばれていません。足りない資料のファイルを選んでください。")
        }
        let kept = try area.keep(form.staging, caseID: id, label: "materials")
        let folder = kept.appendingPathComponent("files", isDirectory: true)
        do {
            let (_, state) = try runner.store.load(id)
            try Self.addOldFiles(of: state.inputs[input]?.stringValue, to: folder, except: sent)
            let reason = form.fields.text("reason") ?? "不足していた資料（\(sent.joined(separator: "、"))）を追加"
            _ = try CaseActions(runner: runner).addMissingFiles(id, input: input, folder: folder.path, reason: reason, by: user)
        } catch {
            area.discard(kept)
            throw error
        }
    }

    /// Copies the files a folder input held (`old`) into `folder`, beside the new ones, except
    /// those a new file replaces: a folder input gains files, it never silently loses one.
    static func addOldFiles(of old: String?, to folder: URL, except sent: [String]) throws {
        guard let old, let names = try? FileManager.default.contentsOfDirectory(atPath: old) else { return }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in names where !name.hasPrefix(".") && !sent.contains(name) {
            try FileManager.default.copyItem(atPath: (old as NSString).appendingPathComponent(name), toPath: folder.appendingPathComponent(name).path)
        }
    }

    /// The amend page for case `id`, filled from `values` (nil: the case's inputs now).
    func amendView(_ id: String, values: FormValues?, reason: String = "", errors: FieldErrors = FieldErrors(),
                   limits: UploadLimits, csrf: String) throws -> AmendView {
        let (_, state) = try runner.store.load(id)
        let workflow = try runner.workflow(of: id)
        let form = SchemaForm(workflow.inputs)
        let controls = form.controls(values: values ?? form.formValues(of: state.inputs), errors: errors)
        let folders: [AmendView.FolderFiles] = workflow.inputs.fields.compactMap { field in
            guard case .folder = field.type else { return nil }
            let names = state.inputs[field.name]?.stringValue.flatMap { try? FileManager.default.contentsOfDirectory(atPath: $0) }?
                .filter { !$0.hasPrefix(".") }.sorted() ?? []
            return .init(label: FieldLabels.label(field), files: names.isEmpty ? "（なし）" : names.joined(separator: "、"))
        }
        var view = AmendView(title: "入力の訂正（\(id)）", caseID: id, general: errors.general, controls: controls, folders: folders,
                             reason: reason, reasonErrors: errors["reason"], hasReasonErrors: !errors["reason"].isEmpty, csrf: csrf,
                             maxFile: UploadError.size(limits.maxFileBytes), maxRequest: UploadError.size(limits.maxRequestBytes))
        view.summarize()
        return view
    }

    /// Amends case `id` from a received amend form (as `docket amend` does, the reason journaled).
    func amend(_ id: String, form: UploadedForm, by user: String) throws -> CaseActions.Amendment {
        let workflow = try runner.workflow(of: id)
        let (_, state) = try runner.store.load(id)
        let kept = try area.keep(form.staging, caseID: id, label: "amend")
        do {
            var files = Self.paths(of: form, keptIn: kept, schema: workflow.inputs)
            for field in workflow.inputs.fields {
                guard case .folder = field.type, let path = files[field.name] else { continue }
                try Self.addOldFiles(of: state.inputs[field.name]?.stringValue, to: URL(fileURLWithPath: path), except: form.files[field.name] ?? [])
                files[field.name] = path
            }
            let (node, places) = try SchemaForm(workflow.inputs).node(from: form.fields, files: files)
            let amendment: CaseActions.Amendment
            do {
                amendment = try CaseActions(runner: runner).amend(id, inputs: node, source: "form", reason: form.fields.text("reason") ?? "", by: user)
            } catch CaseError.reasonRequired {
                throw CaseError.reasonRequired  // the form puts it at the reason's field
            } catch {
                throw Refusal(error).placed(places)
            }
            if (try? FileManager.default.contentsOfDirectory(atPath: kept.path))?.isEmpty == true { area.discard(kept) }
            return amendment
        } catch {
            area.discard(kept)
            throw error
        }
    }
}
