// 历史数据系统门户: the query form builds a spec and navigates to /query?spec=… (so every result is a shareable URL).
function selected(id){return Array.from(document.getElementById(id).selectedOptions).map(o=>o.value)}
function renderMethods(){
  const box=document.getElementById('methods'); if(!box) return;
  const prev=JSON.parse(box.dataset.methods||'{}');
  box.querySelectorAll('select').forEach(s=>prev[s.dataset.code]=s.value);
  const tpl=document.getElementById('method-options').innerHTML;
  box.innerHTML='';
  Array.from(document.getElementById('indicators').selectedOptions).forEach(o=>{
    const l=document.createElement('label'); l.textContent=o.textContent+' ';
    const s=document.createElement('select'); s.innerHTML=tpl; s.dataset.code=o.value; s.name='method-'+o.value;
    s.value=prev[o.value]||'level'; l.appendChild(s); box.appendChild(l);});
  box.dataset.methods=JSON.stringify(prev);
}
function currentSpec(){
  const methods={}; document.querySelectorAll('#methods select').forEach(s=>methods[s.dataset.code]=s.value);
  const ptype=document.querySelector('input[name=ptype]:checked').value;
  const periods= ptype==='latest'?{latest:parseInt(document.getElementById('latest').value||'12')}
     :{from:document.getElementById('pfrom').value.trim(),to:document.getElementById('pto').value.trim()};
  const lay={'ir|p':{rows:['indicator','region'],cols:['period']},'p|ir':{rows:['period'],cols:['indicator','region']},
             'r|ip':{rows:['region'],cols:['indicator','period']}}[document.getElementById('layout').value];
  const asof=document.getElementById('asof').value;
  return {indicators:selected('indicators'),regions:selected('regions'),periods:periods,freq:document.getElementById('freq').value,
          methods:methods,layout:lay,asof:asof?asof+'T23:59:59+08:00':null,allow_break:document.getElementById('allow_break').checked};
}
function runQuery(ev){ev.preventDefault(); location.href='/query?spec='+encodeURIComponent(JSON.stringify(currentSpec())); return false;}
async function saveQuery(){
  const spec=new URLSearchParams(location.search).get('spec'); const name=document.getElementById('qname').value||'未命名查询';
  const r=await fetch('/api/saved-queries',{method:'POST',headers:{'Content-Type':'application/json'},body:JSON.stringify({name:name,spec:JSON.parse(spec)})});
  const j=await r.json(); document.getElementById('saved').innerHTML=r.ok?'已保存, 分享地址: <a href="'+j.url+'">'+location.origin+j.url+'</a>':(j.detail||'保存失败');
}
function esc(s){return String(s==null?'':s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]))}
function showPreview(r,j){
  const box=document.getElementById('preview');
  if(!r.ok){
    if(!j.errors){box.innerHTML='<p class="error">'+esc(j.detail||'失败')+'</p>';return;}
    box.innerHTML='<p class="error" role="alert">'+esc(j.message)+'</p><table class="grid" id="errors"><tr><th>位置</th><th>列</th><th>规则</th><th>说明</th></tr>'+
      j.errors.map(e=>'<tr><td>'+esc(e.where)+'</td><td>'+esc(e.column)+'</td><td>'+esc(e.rule)+'</td><td>'+esc(e.message)+'</td></tr>').join('')+'</table>';return;}
  const s=j.summary; box.innerHTML='<p>预览: 新增 '+s.new+', 修改 '+s.changed+', 未变 '+s.unchanged+'</p><table class="grid"><tr><th>指标</th><th>地区</th><th>期别</th><th>原值</th><th>新值</th><th>状态</th></tr>'+
    j.rows.map(x=>'<tr><td>'+esc(x.indicator)+'</td><td>'+esc(x.region)+'</td><td>'+esc(x.period)+'</td><td class="num">'+esc(x.old_value)+'</td><td class="num">'+esc(x.value)+'</td><td>'+({new:'新增',changed:'修改',unchanged:'未变'}[x.status])+'</td></tr>').join('')+
    '</table><button type="button" id="commit" onclick="commitImport(\''+j.token+'\')">确认提交</button>';
}
async function previewFile(){
  const f=document.getElementById('file').files[0]; if(!f) return;
  const r=await fetch('/api/import/preview?filename='+encodeURIComponent(f.name),{method:'POST',body:await f.arrayBuffer(),headers:{'Content-Type':'application/octet-stream'}});
  showPreview(r,await r.json());
}
async function previewEntry(){
  const cols=['指标代码','地区代码','期别','数值','单位','标志','注释','来源'];
  const rows=Array.from(document.querySelectorAll('#entry tr')).slice(1).map(tr=>{const o={};tr.querySelectorAll('input').forEach((i,k)=>o[cols[k]]=i.value.trim());return o;}).filter(o=>o['指标代码']);
  const r=await fetch('/api/import/entry',{method:'POST',headers:{'Content-Type':'application/json'},body:JSON.stringify({rows:rows})});
  showPreview(r,await r.json());
}
async function commitImport(token){
  const r=await fetch('/api/import/commit',{method:'POST',headers:{'Content-Type':'application/json'},body:JSON.stringify({token:token})});
  const j=await r.json(); document.getElementById('preview').innerHTML=r.ok?'<p>已提交: 新增 '+j.new+', 修订 '+j.revised+' (批次 '+j.load_id+')</p>':'<p class="error">'+esc(j.detail)+'</p>';
}
document.addEventListener('DOMContentLoaded',()=>{const s=document.getElementById('indicators'); if(s){s.addEventListener('change',renderMethods); renderMethods();}});
