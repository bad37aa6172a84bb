// 名单比对 and 自助分析 pages (served locally; no external assets)
function lmEsc(s){return String(s==null?'':s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));}
async function lmUpload(ev){
  ev.preventDefault();
  const f=document.getElementById('lm-file').files[0]; if(!f) return false;
  const ret=Array.from(document.querySelectorAll('input[name=returns]:checked')).map(i=>i.value).join(',');
  const q='filename='+encodeURIComponent(f.name)+'&returns='+encodeURIComponent(ret)+'&as_of='+document.getElementById('lm-asof').value+'&purpose='+encodeURIComponent(document.getElementById('lm-purpose').value);
  const msg=document.getElementById('lm-msg'); msg.innerHTML='<p>上传中…</p>';
  const r=await fetch('/api/listmatch/jobs?'+q,{method:'POST',body:await f.arrayBuffer(),headers:{'Content-Type':'application/octet-stream'}});
  const j=await r.json();
  if(r.ok){location.href=j.page; return false;}
  const d=j.detail||{};
  msg.innerHTML='<div class="error" id="lm-error"><p>'+lmEsc(d.message||d)+'</p><ul>'+(d.errors||[]).map(e=>'<li>'+lmEsc(e)+'</li>').join('')+'</ul></div>';
  return false;
}
async function lmPoll(){
  const el=document.getElementById('lm-job'); if(!el||el.dataset.status!=='running') return;
  const r=await fetch('/api/listmatch/jobs/'+el.dataset.job); const j=await r.json();
  if(j.status!=='running'){location.reload(); return;}
  document.getElementById('lm-progress').textContent=(j.progress||'')+'…';
  setTimeout(lmPoll,700);
}
async function lmDecide(btn,decision){
  const tr=btn.closest('tr'); const sel=tr.querySelector('input[type=radio]:checked');
  const body={row_no:+tr.dataset.row,part:tr.dataset.part,decision:decision,chosen_key:sel?sel.value:null};
  const r=await fetch('/api/listmatch/jobs/'+LM_JOB+'/review',{method:'POST',headers:{'Content-Type':'application/json'},body:JSON.stringify(body)});
  const j=await r.json(); const cell=tr.querySelector('.lm-decision');
  if(r.ok){cell.firstChild&&cell.firstChild.nodeType===3&&cell.removeChild(cell.firstChild); cell.insertAdjacentHTML('afterbegin','<span class="lm-done">'+(decision==='accept'?'已接受':'已拒绝')+'</span> ');}
  else cell.insertAdjacentHTML('afterbegin','<span class="error">'+lmEsc(j.detail)+'</span>');
}
async function anRun(ev,code){
  ev.preventDefault(); const form=ev.target; const msg=form.querySelector('.an-msg'); msg.textContent='运行中…';
  const q=new URLSearchParams(); let file=null;
  for(const el of form.elements){
    if(!el.name) continue;
    if(el.type==='file'){file=el.files[0]; continue;}
    if(el.multiple){const v=Array.from(el.selectedOptions).map(o=>o.value); if(v.length) q.append(el.name,v.join(','));}
    else if(el.value) q.append(el.name,el.value);
  }
  if(file) q.append('filename',file.name);
  const r=await fetch('/api/analyses/'+code+'?'+q.toString(),{method:'POST',body:file?await file.arrayBuffer():null,headers:{'Content-Type':'application/octet-stream'}});
  if(!r.ok){const j=await r.json(); msg.innerHTML='<span class="error">'+lmEsc(j.detail)+(j.errors?': '+lmEsc(j.errors.join('; ')):'')+'</span>'; return false;}
  const blob=await r.blob(); const a=document.createElement('a'); a.href=URL.createObjectURL(blob);
  const cd=r.headers.get('Content-Disposition')||''; const m=cd.match(/filename\*=UTF-8''(.+)$/); a.download=m?decodeURIComponent(m[1]):code+'.xlsx';
  document.body.appendChild(a); a.click(); a.remove(); msg.textContent='完成(任务 '+r.headers.get('X-Job-Id')+')';
  return false;
}
document.addEventListener('DOMContentLoaded',lmPoll);
