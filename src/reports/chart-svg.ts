import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/**
 * Renders a Vega-Lite chart to SVG in Node, without a browser: Vega's scenegraph through its
 * SVG string renderer (no canvas, no DOM). Marks with a `description` get it as their
 * aria-label, so a chart's figures can be read back from the page.
 */
export async function chartSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
