#!/usr/bin/env node
// Answers scholar-citeproc's Request JSON (crates/citeproc/src/request.rs)
// with citeproc-js, so the differential test can hold the two engines side by
// side.
//
//   node render.js request.json     one request, its Response on stdout
//   node render.js --batch          one request per stdin line, one answer per
//                                   stdout line: {"ok": Response} or {"error": "..."}
//
// What a request means, in citeproc-js's terms:
//   1. every item is registered (`updateItems`): the cited ones in order of
//      first citation, then the others in item order; or the ids of
//      `registered` when the request names them;
//   2. the clusters are processed in document order with
//      `processCitationCluster` (cluster i in note i + 1 for a note style, in
//      the text otherwise, unless `notes` says), keeping the last text that
//      citeproc-js reports for each, so later disambiguation is seen; a
//      cluster of one `narrative` cite in `composite` mode (the author, then
//      the rest: `Doe (2020, p. 3)`); with `standalone-clusters` each is
//      rendered on its own (`makeCitationCluster`);
//   3. `makeBibliography` over the registered items.

"use strict";

const fs = require("fs");
const path = require("path");
const readline = require("readline");
const CSL = require("citeproc");

// Files are read once per process: a batch renders many requests over the
// same styles and locales.
const fileCache = new Map();

function readCached(file) {
    if (!fileCache.has(file)) {
        let text = null;
        try {
            // citeproc-js's own XML reader does not skip the declaration.
            text = fs.readFileSync(file, "utf8").replace(/^\uFEFF/, "").replace(/<\?[^>]*\?>\s*/g, "");
        } catch (e) {
            text = null;
        }
        fileCache.set(file, text);
    }
    return fileCache.get(file);
}

function attribute(tag, name) {
    const m = new RegExp("\\s" + name + "\\s*=\\s*(\"([^\"]*)\"|'([^']*)')").exec(tag);
    return m ? (m[2] !== undefined ? m[2] : m[3]) : null;
}

// A dependent style names its parent by an `independent-parent` link; the
// parent is the file named after the link's last segment in the same folder.
// The dependent's `default-locale` overrides the parent's.
function loadStyle(file) {
    const xml = readCached(file);
    if (xml === null) {
        throw new Error("cannot read style `" + file + "`");
    }
    const parentLink = (xml.match(/<link\b[^>]*>/g) || []).find((tag) => attribute(tag, "rel") === "independent-parent");
    if (!parentLink) {
        return { xml, locale: null };
    }
    const href = attribute(parentLink, "href") || "";
    const parentName = href.replace(/\/+$/, "").split("/").pop();
    const parentFile = path.join(path.dirname(file), parentName + ".csl");
    const parentXml = readCached(parentFile);
    if (parentXml === null) {
        throw new Error("dependent style `" + file + "` names parent `" + href + "`, but `" + parentFile + "` cannot be read");
    }
    const styleTag = (xml.match(/<style\b[^>]*>/) || [""])[0];
    return { xml: parentXml, locale: attribute(styleTag, "default-locale") };
}

// citeproc-js asks for `xx-XX` names; a folder may lack that dialect. Falls
// back to the language's default dialect (citeproc-js's own table), then to a
// file for the bare language (`locales-eu.xml`), then to en-US.
function localeReader(folder) {
    return function (lang) {
        const bare = String(lang).split(/[-_]/)[0];
        const base = CSL.LANG_BASES[bare];
        const candidates = [lang];
        if (base) {
            candidates.push(base.replace("_", "-"));
        }
        candidates.push(bare, "en-US");
        for (const candidate of candidates) {
            const xml = readCached(path.join(folder, "locales-" + candidate + ".xml"));
            if (xml !== null) {
                return xml;
            }
        }
        throw new Error("no locale for `" + lang + "` in `" + folder + "`, not even en-US");
    };
}

function citeItem(cite) {
    const item = { id: String(cite.id) };
    for (const key of ["locator", "label", "prefix", "suffix"]) {
        if (cite[key] !== undefined && cite[key] !== null) {
            item[key] = cite[key];
        }
    }
    if (cite["suppress-author"]) {
        item["suppress-author"] = true;
    }
    if (cite["author-only"]) {
        item["author-only"] = true;
    }
    return item;
}

// Removes the `<div class="csl-entry">` wrapper (and the newline and
// indentation citeproc-js puts around it) from a bibliography entry.
function entryMarkup(html) {
    const m = /^\s*<div class="csl-entry"[^>]*>([\s\S]*)<\/div>\s*$/.exec(html);
    return m ? m[1] : html.trim();
}

// The ids to register, in order: `registered` when the request names them;
// otherwise every item, the cited ones in order of first citation, then the
// others in item order (as rebuildProcessorState with the uncited items, but
// all registered before the first cluster, so that disambiguation sees them).
function registration(request, clusters, ids) {
    if (request.registered) {
        return request.registered.map(String);
    }
    const order = new Set();
    for (const cites of clusters) {
        for (const cite of cites) {
            order.add(String(cite.id));
        }
    }
    for (const id of ids) {
        order.add(id);
    }
    return [...order];
}

function render(request) {
    const items = new Map();
    for (const item of request.items || []) {
        items.set(String(item.id), item);
    }
    const sys = {
        retrieveItem: (id) => items.get(String(id)),
        retrieveLocale: localeReader(request.locales),
    };
    const style = loadStyle(request.style);
    const lang = request.lang || style.locale || undefined;
    const engine = new CSL.Engine(sys, style.xml, lang, Boolean(lang));
    engine.setOutputFormat(request.format === "text" ? "text" : "html");

    // 1. Register.
    const clusters = request.citations || [];
    engine.updateItems(registration(request, clusters, [...items.keys()]));

    // 2. Citations in document order.
    const isNote = engine.opt.xclass === "note";
    const citations = new Array(clusters.length).fill("");
    if (request["standalone-clusters"]) {
        clusters.forEach((cites, i) => {
            citations[i] = engine.makeCitationCluster(cites.map(citeItem));
        });
    } else {
        const before = [];
        clusters.forEach((cites, i) => {
            const noteIndex = request.notes ? request.notes[i] : isNote ? i + 1 : 0;
            const citation = {
                citationID: "cluster-" + i,
                citationItems: cites.map(citeItem),
                properties: { noteIndex },
            };
            if (cites.length === 1 && cites[0].narrative) {
                citation.properties.mode = "composite";
            }
            const [, updates] = engine.processCitationCluster(citation, before, [], CSL.ASSUME_ALL_ITEMS_REGISTERED);
            for (const [index, text] of updates) {
                citations[index] = text;
            }
            before.push([citation.citationID, noteIndex]);
        });
    }

    // 3. Bibliography.
    const bibliography = [];
    if (request.bibliography !== false) {
        const made = engine.makeBibliography();
        if (made) {
            const [meta, entries] = made;
            entries.forEach((html, k) => {
                bibliography.push({ id: String(meta.entry_ids[k][0]), text: entryMarkup(html) });
            });
        }
    }
    return { bibliography, citations };
}

function message(e) {
    return e instanceof Error ? e.message : String(e);
}

function main() {
    const args = process.argv.slice(2);
    if (args.length === 1 && args[0] !== "--batch") {
        const request = JSON.parse(fs.readFileSync(args[0], "utf8"));
        process.stdout.write(JSON.stringify(render(request)) + "\n");
        return;
    }
    if (args.length !== 1) {
        process.stderr.write("usage: node render.js REQUEST.json | node render.js --batch < requests.jsonl\n");
        process.exit(2);
    }
    // citeproc-js prints its warnings with console.log; stdout carries the answers.
    console.log = (...parts) => process.stderr.write(parts.join(" ") + "\n");
    const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    lines.on("line", (line) => {
        if (!line.trim()) {
            return;
        }
        let answer;
        try {
            answer = { ok: render(JSON.parse(line)) };
        } catch (e) {
            answer = { error: message(e) };
        }
        process.stdout.write(JSON.stringify(answer) + "\n");
    });
}

main();
